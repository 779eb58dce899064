package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Go's guarantee that when a cancel call returns, every descendant is done, also when another
 * thread is cancelling the same tree at that moment (Go holds the parent's lock while canceling its
 * children; here the later canceler walks what is left itself, and never waits). A test hook
 * pauses the first cancellation half-way through its walk, deterministically: the second
 * canceler runs while the first is stopped between two nodes.
 */
class ConcurrentCancelTest {
    /** A time source whose timers block in stop() until released: stop() runs inside a cancellation. */
    static final class BlockingStopTimeSource implements TimeSource {
        final CountDownLatch stopEntered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Instant now() {
            return TestSupport.T0;
        }

        @Override
        public Registration schedule(Runnable task, Duration delay) {
            return () -> {
                stopEntered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            };
        }
    }

    /**
     * A parent, a child on a {@link BlockingStopTimeSource} and a grandchild, whose first cancel
     * (of the parent, on a thread of its own) is stuck in that user code; closing releases it.
     */
    static final class StuckCancellation implements AutoCloseable {
        final BlockingStopTimeSource time = new BlockingStopTimeSource();
        final CancellableContext parent = Context.background().withCancel();
        final CancellableContext timer = parent.withTimeSource(time).withTimeout(Duration.ofHours(1));
        final CancellableContext grandchild = timer.withCancel();
        private final Thread first;

        StuckCancellation(String threadName) throws InterruptedException {
            first = new Thread(parent::cancel, threadName);
            first.start();
            assertThat(time.stopEntered.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the first cancel is stuck in user code")
                    .isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            time.release.countDown();
            first.join(PATIENCE.toMillis());
            assertThat(first.isAlive()).as("the first cancel returned").isFalse();
        }
    }

    /** Pauses the walk of one thread right after it makes {@code at} done, until released. */
    static final class PausedWalk implements AutoCloseable {
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        PausedWalk(Context at, Thread walker) {
            CancelNode node = (CancelNode) Derive.unwrap(at);
            CancelNode.markedByWalk = marked -> {
                if (marked == node && Thread.currentThread() == walker) {
                    paused.countDown();
                    try {
                        release.await(PATIENCE.toMillis() * 3, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        }

        void awaitPaused() throws InterruptedException {
            assertThat(paused.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the first walk reached the pause")
                    .isTrue();
        }

        /** Releases the paused walk, and removes the hook (which holds the node it waits for). */
        @Override
        public void close() {
            release.countDown();
            CancelNode.markedByWalk = null;
        }
    }

    @AfterEach
    void removeHook() {
        CancelNode.markedByWalk = null;
    }

    @Test
    void aSecondCancelOfTheSameContextFinishesTheWalkItselfAndNeverWaits() throws Exception {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext child = parent.withCancel();
        CancellableContext grandchild = child.withValue(Key.of("k"), 1).withCancel();
        AtomicInteger actionRuns = new AtomicInteger();
        AtomicReference<ContextException> grandchildWhenActionRan = new AtomicReference<>();
        grandchild.afterDone(
                () -> {
                    actionRuns.incrementAndGet();
                    grandchildWhenActionRan.set(grandchild.err());
                },
                Runnable::run);

        Thread first = new Thread(parent::cancel, "first-canceler");
        try (PausedWalk pause = new PausedWalk(child, first)) {
            first.start();
            pause.awaitPaused();
            assertThat(grandchild.err()).as("the first walk is half-way").isNull();

            CancelNeverWaitsTest.Outcome second = CancelNeverWaitsTest.cancelOnANewThread(parent, grandchild)
                    .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(second.descendantErr())
                    .as("the grandchild when the second cancel() returned")
                    .isSameAs(Context.CANCELED);
            assertThat(second.waitsAndBlocks()).isZero();
            assertThat(actionRuns).as("actions wait for the last walker").hasValue(0);
        }
        first.join(PATIENCE.toMillis());
        assertThat(first.isAlive()).isFalse();
        assertThat(actionRuns).as("the action ran once").hasValue(1);
        assertThat(grandchildWhenActionRan.get()).isSameAs(Context.CANCELED);
        assertThat(DoneTest.waiters(child)).isZero();
    }

    @Test
    void aCancelOfAnAncestorFinishesAWalkRunningBelowItWithThatWalksCause() throws Exception {
        CancellableContext root = Context.background().withCancel();
        CancellableContext middle = root.withCancel();
        CancellableContext child = middle.withCancel();
        CancellableContext grandchild = child.withCancel();
        Exception middleCause = new Exception("middle first");

        Thread below = new Thread(() -> middle.cancel(middleCause), "canceler-below");
        try (PausedWalk pause = new PausedWalk(child, below)) {
            below.start();
            pause.awaitPaused();

            CancelNeverWaitsTest.Outcome ancestor = CancelNeverWaitsTest.cancelOnANewThread(root, grandchild)
                    .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(ancestor.descendantErr()).isSameAs(Context.CANCELED);
            assertThat(ancestor.waitsAndBlocks()).isZero();
            assertThat(grandchild.cause()).as("canceled by middle first").isSameAs(middleCause);
        }
        below.join(PATIENCE.toMillis());
        assertThat(below.isAlive()).isFalse();
        assertThat(root.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void aSecondCancelWhileTheFirstRunsUserCodeReturnsWithEveryDescendantDone() throws Exception {
        CancellableContext grandchild;
        try (StuckCancellation stuck = new StuckCancellation("first-canceler")) {
            grandchild = stuck.grandchild;
            for (CancellableContext again : new CancellableContext[] {stuck.parent, stuck.timer}) {
                CancelNeverWaitsTest.Outcome outcome = CancelNeverWaitsTest.cancelOnANewThread(again, grandchild)
                        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(outcome.descendantErr())
                        .as("after cancel() of %s", again)
                        .isSameAs(Context.CANCELED);
            }
        }
        assertThat(grandchild.cause()).isSameAs(Context.CANCELED);
    }
}
