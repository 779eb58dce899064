package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.Registration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** {@link GoContext#blocking}: blocking work bound to a ctx on a blocking-friendly scheduler. */
class BlockingTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Scheduler oneThread = Schedulers.newBoundedElastic(1, 100, "blocking-test");

    @AfterEach
    void dispose() {
        oneThread.dispose();
    }

    @Test
    void returnsTheValueOnABoundedElasticThread() {
        StepVerifier.create(GoContext.blocking(ctx -> Thread.currentThread().getName()))
                .assertNext(name -> assertThat(name).startsWith("boundedElastic-"))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(GoContext.blocking(ctx -> null)).expectComplete().verify(WAIT);
        StepVerifier.create(GoContext.blocking(ctx -> {
                    throw new IOException("disk");
                }))
                .expectErrorMessage("disk")
                .verify(WAIT);
    }

    @Test
    void theCallGetsAChildOfTheSubscribersCtxReleasedAfterwards() {
        try (CancellableContext parent = Context.background().withCancel()) {
            AtomicReference<Context> seen = new AtomicReference<>();
            StepVerifier.create(GoContext.blocking(ctx -> {
                                seen.set(ctx);
                                return ctx.err() == null;
                            })
                            .contextWrite(GoContext.with(parent)))
                    .expectNext(true)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(seen.get()).isNotSameAs(parent);
            assertThat(seen.get().err()).as("released like defer cancel()").isSameAs(Context.CANCELED);
            assertThat(parent.err()).isNull();
        }
    }

    @Test
    void aDoneCtxInterruptsTheThreadAndTheInterruptDoesNotLeak() {
        CountDownLatch sleeping = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        assertACancelWhileItRunsEndsItWithCanceled(
                sleepsUntilInterrupted(sleeping, e -> {
                    thrown.set(e);
                    throw e;
                }),
                sleeping);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        // the same (only) thread runs the next call: no interrupt status left over
        StepVerifier.create(GoContext.blocking(
                        oneThread, ctx -> Thread.currentThread().isInterrupted()))
                .expectNext(false)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aCallThatSwallowsTheInterruptAndReturnsAValueStillEndsWithCtxErr() {
        CountDownLatch sleeping = new CountDownLatch(1);
        List<Object> discarded = new CopyOnWriteArrayList<>();
        assertACancelWhileItRunsEndsItWithCanceled(
                // ignores the interrupt, and answers as if nothing happened
                sleepsUntilInterrupted(sleeping, swallowed -> "a value after the cancel")
                        .doOnDiscard(String.class, discarded::add),
                sleeping);
        assertThat(discarded).containsExactly("a value after the cancel");
    }

    @Test
    void aDeadlineInterruptsTheCall() {
        CancellableContext parent = Context.background().withTimeout(Duration.ofMillis(50));
        StepVerifier.create(GoContext.blocking(oneThread, ctx -> {
                            Thread.sleep(60_000);
                            return "slept";
                        })
                        .contextWrite(GoContext.with(parent)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
    }

    @Test
    void disposingInterruptsTheCallWithACauseThatSaysSo() {
        CountDownLatch sleeping = new CountDownLatch(1);
        AtomicReference<Context> callCtx = new AtomicReference<>();
        CountDownLatch interrupted = new CountDownLatch(1);
        Disposable subscription = GoContext.blocking(oneThread, ctx -> {
                    callCtx.set(ctx);
                    sleeping.countDown();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                    }
                    return "done";
                })
                .subscribe();
        awaitLatch(sleeping);
        subscription.dispose();
        awaitLatch(interrupted);
        assertThat(callCtx.get().cause()).isInstanceOf(SubscriptionCancelledException.class);
    }

    @Test
    void aCallCanCloseItsResourceWhenTheCtxIsDone() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CountDownLatch accepting = new CountDownLatch(1);
            assertACancelWhileItRunsEndsItWithCanceled(
                    GoContext.blocking(oneThread, ctx -> {
                        Registration closer = ctx.afterDone(() -> closeQuietly(server));
                        try {
                            accepting.countDown();
                            return server.accept(); // ignores interrupts
                        } finally {
                            closer.stop();
                        }
                    }),
                    accepting);
            await().atMost(WAIT).until(server::isClosed);
        }
    }

    @Test
    void aCtxDoneBeforeTheCallStartsSkipsIt() {
        CancellableContext parent = Context.background().withCancel();
        parent.cancel();
        StepVerifier.create(GoContext.blocking(ctx -> {
                            throw new AssertionError("must not run");
                        })
                        .contextWrite(GoContext.with(parent)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
    }

    @Test
    void aQueuedCallIsAbandonedWhenItsCtxIsDone() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Disposable busy = GoContext.blocking(oneThread, ctx -> {
                    release.await();
                    return 1;
                })
                .subscribe();
        CancellableContext parent = Context.background().withCancel();
        StepVerifier.create(GoContext.blocking(oneThread, ctx -> {
                            throw new AssertionError("must not run");
                        })
                        .contextWrite(GoContext.with(parent)))
                .expectSubscription()
                .then(parent::cancel)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        release.countDown();
        busy.dispose();
    }

    @Test
    void aSubscriptionCancelledDuringOnSubscribeSchedulesNothing() throws Exception {
        AtomicInteger submitted = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {
            @Override
            public void execute(Runnable command) {
                submitted.incrementAndGet();
                super.execute(command);
            }
        };
        Scheduler counting = Schedulers.fromExecutorService(executor, "counting");
        try {
            AtomicReference<Context> callCtx = new AtomicReference<>();
            GoContext.blocking(counting, ctx -> {
                        callCtx.set(ctx);
                        return "ran";
                    })
                    .subscribe(new BaseSubscriber<String>() {
                        @Override
                        protected void hookOnSubscribe(Subscription subscription) {
                            cancel();
                        }
                    });
            assertThat(submitted).as("tasks handed to the scheduler").hasValue(0);
            assertThat(callCtx.get()).isNull();
        } finally {
            counting.dispose();
            executor.shutdownNow();
        }
    }

    /** What a call does when its sleep is interrupted: rethrow, or answer anyway. */
    @FunctionalInterface
    private interface OnInterrupt {
        String handle(InterruptedException e) throws InterruptedException;
    }

    /** A call that sleeps (for a minute) until it is interrupted, after counting {@code sleeping} down. */
    private Mono<String> sleepsUntilInterrupted(CountDownLatch sleeping, OnInterrupt onInterrupt) {
        return GoContext.blocking(oneThread, ctx -> {
            sleeping.countDown();
            try {
                Thread.sleep(60_000);
                return "slept";
            } catch (InterruptedException e) {
                return onInterrupt.handle(e);
            }
        });
    }

    /** Runs {@code call} under a ctx canceled once {@code running} is down: it must end with CANCELED. */
    private static void assertACancelWhileItRunsEndsItWithCanceled(Mono<?> call, CountDownLatch running) {
        CancellableContext parent = Context.background().withCancel();
        StepVerifier.create(call.contextWrite(GoContext.with(parent)))
                .expectSubscription()
                .then(() -> awaitLatch(running))
                .then(parent::cancel)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void closeQuietly(ServerSocket server) {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            // closing is all we wanted
        }
    }
}
