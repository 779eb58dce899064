package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Go's guarantee that when a cancel call returns, every descendant is done, also when another
 * thread is propagating a cancellation through the same tree at that moment (Go holds the
 * parent's lock while canceling its children). A time source whose stop() blocks pauses a
 * propagation half-way, deterministically.
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

    @Test
    void secondCancelOfTheSameContextReturnsOnlyAfterThePropagation() throws Exception {
        BlockingStopTimeSource time = new BlockingStopTimeSource();
        CancellableContext parent = Context.background().withCancel();
        CancellableContext timer = parent.withTimeSource(time).withTimeout(Duration.ofHours(1));
        CancellableContext grandchild = timer.withCancel();

        Thread first = start(parent::cancel);
        assertThat(time.stopEntered.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        // the first cancel is now half-way: parent and timer are done, grandchild not yet
        assertThat(parent.err()).isSameAs(Context.CANCELED);
        assertThat(timer.err()).isSameAs(Context.CANCELED);

        AtomicReference<ContextException> afterParent = new AtomicReference<>();
        AtomicReference<ContextException> afterTimer = new AtomicReference<>();
        Thread secondOnParent = start(() -> {
            parent.cancel();
            afterParent.set(grandchild.err());
        });
        Thread secondOnTimer = start(() -> {
            timer.cancel(new Exception("too late"));
            afterTimer.set(grandchild.err());
        });
        secondOnParent.join(200);
        secondOnTimer.join(200);
        assertThat(secondOnParent.isAlive() || afterParent.get() != null)
                .as("parent.cancel() returned while a descendant was live")
                .isTrue();
        assertThat(secondOnTimer.isAlive() || afterTimer.get() != null)
                .as("timer.cancel() returned while a descendant was live")
                .isTrue();

        time.release.countDown();
        for (Thread t : new Thread[] {first, secondOnParent, secondOnTimer}) {
            t.join(PATIENCE.toMillis());
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(afterParent.get()).isSameAs(Context.CANCELED);
        assertThat(afterTimer.get()).isSameAs(Context.CANCELED);
        assertThat(grandchild.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void cancelOfAnAncestorWaitsForAPropagationAlreadyRunningBelowIt() throws Exception {
        BlockingStopTimeSource time = new BlockingStopTimeSource();
        CancellableContext root = Context.background().withCancel();
        CancellableContext middle = root.withCancel();
        CancellableContext timer = middle.withTimeSource(time).withTimeout(Duration.ofHours(1));
        CancellableContext grandchild = timer.withCancel();

        Thread belowRunning = start(middle::cancel);
        assertThat(time.stopEntered.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();

        AtomicReference<ContextException> seenAfterReturn = new AtomicReference<>();
        Thread ancestor = start(() -> {
            root.cancel();
            seenAfterReturn.set(grandchild.err());
        });
        ancestor.join(200);
        assertThat(ancestor.isAlive() || seenAfterReturn.get() != null)
                .as("root.cancel() returned while a descendant was live")
                .isTrue();
        time.release.countDown();
        ancestor.join(PATIENCE.toMillis());
        belowRunning.join(PATIENCE.toMillis());
        assertThat(seenAfterReturn.get()).isSameAs(Context.CANCELED);
        assertThat(grandchild.cause()).as("canceled by middle first").isSameAs(Context.CANCELED);
    }

    private static Thread start(Runnable body) {
        Thread t = new Thread(body, "concurrent-cancel");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
