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

        for (CancellableContext again : new CancellableContext[] {parent, timer}) {
            AtomicReference<ContextException> seenAfterReturn = new AtomicReference<>();
            Thread second = start(() -> {
                again.cancel();
                seenAfterReturn.set(grandchild.err());
            });
            second.join(200);
            if (!second.isAlive()) {
                assertThat(seenAfterReturn.get())
                        .as("cancel() of %s returned while its descendant was live", again)
                        .isNotNull();
            }
            if (again == timer) {
                time.release.countDown();
            }
            second.join(PATIENCE.toMillis());
            assertThat(second.isAlive()).isFalse();
            assertThat(seenAfterReturn.get())
                    .as("after cancel() of %s returned", again)
                    .isSameAs(Context.CANCELED);
        }
        first.join(PATIENCE.toMillis());
        assertThat(first.isAlive()).isFalse();
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
        if (!ancestor.isAlive()) {
            assertThat(seenAfterReturn.get())
                    .as("root.cancel() returned while a descendant was live")
                    .isNotNull();
        }
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
