package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ContextStats}: created, active, done by reason. Tests run one at a time (the default),
 * and compare deltas, since other tests create contexts in the same JVM. Before each test the
 * JVM is made quiet: the leak detector has processed every handle earlier tests dropped, no
 * deadline on the system clock is due soon, and leak tracking is off while the test runs; the
 * test's own contexts run on a manual clock.
 */
class ContextStatsTest {
    private LeakDetection.Level savedLevel;

    @BeforeEach
    void settle() {
        savedLevel = LeakDetection.level();
        LeakDetection.setLevel(LeakDetection.Level.DISABLED);
        LeakDetectionTest.quiesce();
        TestSupport.awaitTrue(
                () -> SystemTimer.INSTANCE.nanosUntilFirstDue() > TimeUnit.MINUTES.toNanos(1),
                "no deadline of an earlier test due within a minute",
                Duration.ofSeconds(70));
    }

    @AfterEach
    void restore() {
        LeakDetection.setLevel(savedLevel);
    }

    @Test
    void globalIsOneInstance() {
        assertThat(ContextStats.global()).isSameAs(ContextStats.global());
    }

    @Test
    void countsCreationAndCompletionByReason() {
        ManualTimeSource time = TestSupport.manualClock();
        Context root = TestSupport.rootOn(time);
        StatsSnapshot before = StatsSnapshot.now();

        CancellableContext a = root.withCancel();
        CancellableContext b = a.withCancel();
        CancellableContext c = a.withValue(Key.of("k"), 1).withTimeout(Duration.ofSeconds(10));
        CancellableContext d = root.withTimeout(Duration.ofSeconds(5));
        CancellableContext e = d.withCancel();
        root.withValue(Key.of("v"), 1).withoutCancel(); // not cancellable: not counted
        assertThat(StatsSnapshot.now().minus(before)).isEqualTo(new StatsSnapshot(5, 5, 0, 0, 0));

        a.cancel();
        assertThat(StatsSnapshot.now().minus(before))
                .as("a canceled parent counts its children as canceled")
                .isEqualTo(new StatsSnapshot(5, 2, 3, 0, 0));

        time.advance(Duration.ofSeconds(5));
        assertThat(StatsSnapshot.now().minus(before))
                .as("a child of an expired parent counts as deadline exceeded")
                .isEqualTo(new StatsSnapshot(5, 0, 3, 2, 0));

        a.cancel();
        b.cancel();
        c.cancel();
        d.cancel();
        e.cancel(new Exception("late"));
        assertThat(StatsSnapshot.now().minus(before))
                .as("done contexts are counted once")
                .isEqualTo(new StatsSnapshot(5, 0, 3, 2, 0));
    }

    @Test
    void contextsDoneAtCreationAreCountedCreatedAndDone() {
        CancellableContext canceled = Context.background().withCancel();
        canceled.cancel();
        StatsSnapshot before = StatsSnapshot.now();
        canceled.withCancel();
        canceled.withTimeout(Duration.ofSeconds(1));
        Context.background().withTimeout(Duration.ZERO);
        Context.background().withDeadline(java.time.Instant.EPOCH, new Exception("cause"));
        assertThat(StatsSnapshot.now().minus(before)).isEqualTo(new StatsSnapshot(4, 0, 2, 2, 0));
    }

    @Test
    void earlierParentDeadlineStillCountsOneContext() {
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext parent = TestSupport.rootOn(time).withTimeout(Duration.ofSeconds(1));
        StatsSnapshot before = StatsSnapshot.now();
        parent.withTimeout(Duration.ofSeconds(10));
        assertThat(StatsSnapshot.now().minus(before)).isEqualTo(new StatsSnapshot(1, 1, 0, 0, 0));
        time.advance(Duration.ofSeconds(1));
        assertThat(StatsSnapshot.now().minus(before)).isEqualTo(new StatsSnapshot(1, -1, 0, 2, 0));
    }

    /**
     * More threads than the counters have stripes, so that some threads share a stripe: a count
     * lost by two threads adding to one stripe at once would show as a shortfall.
     */
    @Test
    void countsExactlyWhenThreadsShareStripes() throws Exception {
        int threads = 4 * CancelNode.STRIPES;
        int perThread = 20_000;
        CancellableContext parent =
                TestSupport.rootOn(TestSupport.manualClock()).withCancel();
        StatsSnapshot before = StatsSnapshot.now();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < perThread; i++) {
                        parent.withCancel().cancel();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long n = (long) threads * perThread;
        assertThat(StatsSnapshot.now().minus(before)).isEqualTo(new StatsSnapshot(n, 0, n, 0, 0));
        parent.cancel();
    }

    @Test
    void toStringListsEveryCounter() {
        assertThat(ContextStats.global().toString())
                .matches(
                        "ContextStats\\[created=\\d+, active=\\d+, canceled=\\d+, deadlineExceeded=\\d+, leaked=\\d+]");
    }
}
