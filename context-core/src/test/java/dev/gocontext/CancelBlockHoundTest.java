package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;

/**
 * {@code cancel()} never blocks, as BlockHound sees it: on threads that BlockHound treats as
 * non-blocking (as it treats Reactor's {@code parallel()} threads), a cancel that races another
 * thread's cancellation of the same tree calls nothing that parks or waits. Runs in a JVM of its
 * own (BlockHound instruments the JDK for the rest of the JVM's life).
 */
class CancelBlockHoundTest {
    private static final String NON_BLOCKING = "nonblocking-";

    @BeforeAll
    static void installBlockHound() {
        BlockHound.builder()
                .nonBlockingThreadPredicate(p -> p.or(t -> t.getName().startsWith(NON_BLOCKING)))
                .install();
    }

    @Test
    void blockHoundIsWatchingTheNonBlockingThreads() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        Thread.sleep(1);
                        thrown.complete(null);
                    } catch (Throwable e) {
                        thrown.complete(e);
                    }
                },
                NON_BLOCKING + "control");
        t.start();
        assertThat(thrown.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .as("the control case: a sleep on a non-blocking thread is reported")
                .isNotNull()
                .hasMessageContaining("Thread.sleep");
    }

    @Test
    void aSecondCancelWhileTheFirstIsStuckInUserCodeDoesNotBlock() throws Exception {
        try (ConcurrentCancelTest.StuckCancellation stuck =
                new ConcurrentCancelTest.StuckCancellation("blocking-allowed-first-canceler")) {
            CompletableFuture<ContextException> seen = new CompletableFuture<>();
            Thread second = new Thread(
                    () -> {
                        try {
                            stuck.parent.cancel();
                            seen.complete(stuck.grandchild.err());
                        } catch (Throwable e) {
                            seen.completeExceptionally(e);
                        }
                    },
                    NON_BLOCKING + "second-canceler");
            second.start();
            assertThat(seen.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(Context.CANCELED);
        }
    }

    /** A wide subtree canceled from two non-blocking threads at once, at two levels. */
    @Test
    void aWideSubtreeCanceledFromTwoNonBlockingThreadsAtOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            CancellableContext root = Context.background().withCancel();
            CancellableContext middle = root.withCancel();
            List<CancellableContext> children = new ArrayList<>();
            for (int i = 0; i < 300_000; i++) {
                children.add(middle.withCancel());
            }
            AtomicBoolean start = new AtomicBoolean();
            CompletableFuture<Long> byRoot = cancelAndCountLive(root, children, start, "root");
            CompletableFuture<Long> byMiddle = cancelAndCountLive(middle, children, start, "middle");
            start.set(true);
            assertThat(byRoot.get(PATIENCE.toMillis() * 3, TimeUnit.MILLISECONDS))
                    .as("live children when root.cancel() returned")
                    .isZero();
            assertThat(byMiddle.get(PATIENCE.toMillis() * 3, TimeUnit.MILLISECONDS))
                    .as("live children when middle.cancel() returned")
                    .isZero();
        }
    }

    private static CompletableFuture<Long> cancelAndCountLive(
            CancellableContext ctx, List<CancellableContext> children, AtomicBoolean start, String name) {
        CompletableFuture<Long> live = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    while (!start.get()) {
                        // a busy wait: any parking call would be reported on this thread
                    }
                    try {
                        ctx.cancel();
                        live.complete(
                                children.stream().filter(c -> c.err() == null).count());
                    } catch (Throwable e) {
                        live.completeExceptionally(e);
                    }
                },
                NON_BLOCKING + "canceler-" + name);
        t.start();
        return live;
    }
}
