package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code cancel()} never parks, waits or blocks on a monitor, whatever another thread is doing
 * with the same tree: a later canceler helps the running cancellation or returns, and still every
 * descendant is done when it returns. Proven with the JVM's own per-thread counters of blocked and
 * waited episodes ({@link ThreadInfo#getBlockedCount()}, {@link ThreadInfo#getWaitedCount()}),
 * read around the {@code cancel()} call, and by watching the thread's state: no virtual threads
 * and no agent involved.
 */
class CancelNeverWaitsTest {
    @Test
    void aSecondCancelWhileTheFirstIsStuckInUserCodeNeitherWaitsNorLeavesADescendantLive() throws Exception {
        try (ConcurrentCancelTest.StuckCancellation stuck =
                new ConcurrentCancelTest.StuckCancellation("first-canceler")) {
            Outcome outcome =
                    cancelOnANewThread(stuck.parent, stuck.grandchild).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(outcome.waitsAndBlocks())
                    .as("parks, waits or monitor blocks inside cancel()")
                    .isZero();
            assertThat(outcome.descendantErr())
                    .as("the grandchild when cancel() returned")
                    .isSameAs(Context.CANCELED);
        }
    }

    /** What one cancel() did: its waits and blocks, and the state of a descendant when it returned. */
    record Outcome(long waitsAndBlocks, ContextException descendantErr) {}

    /**
     * Cancels {@code ctx} on a new thread and completes with the outcome; fails at once if the
     * thread is seen parked, waiting or blocked before it returns.
     */
    static CompletableFuture<Outcome> cancelOnANewThread(CancellableContext ctx, Context descendant) {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    long before = waitsAndBlocks();
                    ctx.cancel();
                    long after = waitsAndBlocks();
                    outcome.complete(new Outcome(after - before, descendant.err()));
                },
                "second-canceler");
        t.setDaemon(true);
        t.start();
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!outcome.isDone() && System.nanoTime() - end < 0) {
            Thread.State state = t.getState();
            if (!outcome.isDone()
                    && (state == Thread.State.WAITING
                            || state == Thread.State.TIMED_WAITING
                            || state == Thread.State.BLOCKED)) {
                StackTraceElement[] stack = t.getStackTrace();
                if (!outcome.isDone() && t.getState() == state) {
                    outcome.completeExceptionally(
                            new AssertionError("cancel() is " + state + " at " + java.util.Arrays.toString(stack)));
                }
            }
            Thread.onSpinWait();
        }
        return outcome;
    }

    /** The calling thread's count of monitor blocks plus waits and parks, since it started. */
    static long waitsAndBlocks() {
        ThreadInfo info = ManagementFactory.getThreadMXBean()
                .getThreadInfo(Thread.currentThread().getId());
        return info.getBlockedCount() + info.getWaitedCount();
    }
}
