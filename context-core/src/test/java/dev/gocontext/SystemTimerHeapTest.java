package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The timer's heap against a model: random schedule, unschedule and expire steps, in bursts that
 * grow the heap to thousands of entries and drain it again, are applied to the heap and to a
 * {@link TreeMap} ordered by due time; after every step the heap's invariants hold (heap order,
 * every entry's index, empty slots, and arrays that shrink once mostly empty) and both agree on
 * what is scheduled and on what expires, in due order. Due times are {@code nanoTime}-style, so
 * half the runs start just below {@code Long.MAX_VALUE} and wrap around. Seeded: the seed is
 * printed and in every failure message; {@code -Dgocontext.seed=} replays it.
 */
class SystemTimerHeapTest {
    private static final int STEPS = 10_000;

    /** A heap entry that records its position, as timer contexts do. */
    static final class TestEntry implements SystemTimer.Entry {
        final int id;
        long due;
        private int heapIndex = -1;

        TestEntry(int id) {
            this.id = id;
        }

        @Override
        public int heapIndex() {
            return heapIndex;
        }

        @Override
        public void heapIndex(int heapIndex) {
            this.heapIndex = heapIndex;
        }

        @Override
        public void expire() {}

        @Override
        public String toString() {
            return "entry " + id + " due " + due;
        }
    }

    @RepeatedTest(6)
    void randomScheduleUnscheduleAndExpireAgreeWithATreeMap() {
        long seed = TestSupport.seed("SystemTimerHeapTest");
        SplittableRandom random = new SplittableRandom(seed);
        long start = random.nextBoolean() ? Long.MAX_VALUE - 50_000 : random.nextLong();
        // the model orders by time since `start`, which never wraps within a run
        TreeMap<TestEntry, TestEntry> model = new TreeMap<>(
                Comparator.<TestEntry>comparingLong(e -> e.due - start).thenComparingInt(e -> e.id));
        SystemTimer.Heap heap = new SystemTimer.Heap();
        List<TestEntry> known = new ArrayList<>();
        long now = start;
        int growing = 0;
        for (int step = 0; step < STEPS; step++) {
            String where = "seed " + seed + ", step " + step;
            if (step % 1_000 == 0) {
                growing = random.nextInt(3); // 0: drain, 1: steady, 2: burst
            }
            if (heap.size() > 3_000) {
                growing = 0; // keep each run to a few thousand entries: the invariant check is O(n)
            }
            int dice = random.nextInt(100);
            int scheduleBelow = growing == 2 ? 80 : growing == 1 ? 45 : 15;
            if (dice < scheduleBelow) {
                TestEntry e = new TestEntry(known.size());
                e.due = now + random.nextInt(100_000);
                known.add(e);
                heap.add(e, e.due);
                model.put(e, e);
            } else if (dice < 85 && !known.isEmpty()) {
                TestEntry e = known.get(random.nextInt(known.size()));
                assertThat(heap.remove(e)).as("remove %s (%s)", e, where).isEqualTo(model.remove(e) != null);
            } else {
                now += random.nextInt(growing == 0 ? 20_000 : 2_000);
                long previous = Long.MIN_VALUE;
                while (heap.size() > 0 && heap.firstDue() - now <= 0) {
                    long due = heap.firstDue();
                    TestEntry first = (TestEntry) heap.pollFirst();
                    assertThat(first.due).as(where).isEqualTo(due);
                    assertThat(due - start)
                            .as("expired out of order (%s)", where)
                            .isGreaterThanOrEqualTo(previous);
                    previous = due - start;
                    assertThat(model.firstKey().due)
                            .as("the model's first due (%s)", where)
                            .isEqualTo(due);
                    assertThat(model.remove(first))
                            .as("expired %s (%s)", first, where)
                            .isNotNull();
                    assertThat(first.heapIndex()).isEqualTo(-1);
                }
                assertThat(model.isEmpty() || model.firstKey().due - now > 0)
                        .as("the model has a due entry the heap did not expire (%s)", where)
                        .isTrue();
            }
            heap.checkInvariants();
            assertThat(heap.size()).as(where).isEqualTo(model.size());
        }
        while (heap.size() > 0) {
            assertThat(model.remove((TestEntry) heap.pollFirst())).isNotNull();
        }
        heap.checkInvariants();
        assertThat(heap.capacity()).as("drained: back to the minimum").isEqualTo(SystemTimer.Heap.MIN_CAPACITY);
    }

    @Test
    void aBurstGrowsTheArraysAndDrainingShrinksThemStepByStep() {
        SystemTimer.Heap heap = new SystemTimer.Heap();
        List<TestEntry> entries = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            TestEntry e = new TestEntry(i);
            e.due = 10_000 - i; // each one earlier than the last: every add sifts to the top
            entries.add(e);
            heap.add(e, e.due);
        }
        assertThat(heap.capacity()).isEqualTo(16_384);
        int capacity = heap.capacity();
        for (int i = 0; i < entries.size(); i++) {
            assertThat(heap.remove(entries.get(i))).isTrue();
            if (heap.capacity() != capacity) {
                assertThat(heap.capacity()).as("halved").isEqualTo(capacity / 2);
                assertThat(heap.size()).as("once less than a quarter is used").isLessThan(capacity / 4);
                capacity = heap.capacity();
                heap.checkInvariants();
            } else if (i % 1_000 == 0) {
                heap.checkInvariants();
            }
        }
        assertThat(heap.size()).isZero();
        assertThat(heap.capacity()).isEqualTo(SystemTimer.Heap.MIN_CAPACITY);
        assertThat(heap.remove(entries.get(0))).as("removing twice").isFalse();
    }
}
