package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The library's own deliveries of a fired deadline (the actions registered with a direct
 * executor, as context-reactor registers its subscribers) never wait behind users' after-done
 * actions: with every thread of the after-done pool blocked in user code, a deadline still reaches
 * its direct-executor actions.
 */
class DeadlineDeliveryTest {
    /** The thread limit of the after-done pool. */
    private static final int POOL_LIMIT = AfterDone.MAX_THREADS;

    @Test
    void blockedUserActionsOnThePoolNeverStallADeadlineDelivery() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(POOL_LIMIT);
        CountDownLatch finished = new CountDownLatch(POOL_LIMIT);
        List<CancellableContext> contexts = new ArrayList<>();
        try {
            for (int i = 0; i < POOL_LIMIT; i++) {
                CancellableContext ctx = Context.background().withCancel();
                contexts.add(ctx);
                ctx.afterDone(() -> {
                    blocked.countDown();
                    try {
                        release.await(PATIENCE.toMillis() * 6, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    finished.countDown();
                });
                ctx.cancel();
            }
            assertThat(blocked.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .as("every thread of the after-done pool is blocked in a user action")
                    .isTrue();

            // The action must be registered before the deadline fires (else it runs at once, here):
            // try again with a longer timeout until it is.
            for (Duration timeout = Duration.ofMillis(1); ; timeout = timeout.multipliedBy(10)) {
                CompletableFuture<Thread> deliveredOn = new CompletableFuture<>();
                try (CancellableContext deadline = Context.background().withTimeout(timeout)) {
                    deadline.afterDone(() -> deliveredOn.complete(Thread.currentThread()), Runnable::run);
                    assertThat(deliveredOn.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                            .as("the deadline's direct-executor action ran while the pool was blocked")
                            .isNotNull();
                    assertThat(deadline.err()).isSameAs(Context.DEADLINE_EXCEEDED);
                }
                if (deliveredOn.join() != Thread.currentThread()) {
                    break;
                }
            }
        } finally {
            release.countDown();
        }
        assertThat(finished.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }
}
