package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * The done signal races with the source's signals: the downstream must see serial signals, one
 * terminal, nothing after it, and the source must be cancelled unless it had ended by itself. Seeded: every failure message names
 * the seed; replay one with {@code -Dgocontext.seed=<seed>}.
 */
class DeadlineOfRaceTest {
    private static final int ROUNDS = 150;
    private static final long WAIT_SECONDS = 10;

    /** The seed of this run: {@code -Dgocontext.seed}, else a fresh one. */
    private static long seed() {
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        System.out.println("DeadlineOfRaceTest seed=" + seed + " (replay with -Dgocontext.seed=" + seed + ")");
        return seed;
    }

    @RepeatedTest(2)
    void aCancelRacingWithANonFusedSourceIsSerialized() throws Exception {
        long seed = seed();
        SplittableRandom random = new SplittableRandom(seed);
        ExecutorService canceler = Executors.newSingleThreadExecutor();
        int canceled = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String what = "seed " + seed + " round " + round;
                CancellableContext ctx = Context.background().withCancel();
                AtomicBoolean sourceCancelled = new AtomicBoolean();
                AtomicBoolean sourceCompleting = new AtomicBoolean();
                AtomicReference<Thread> emitter = new AtomicReference<>();
                Flux<Integer> source = Flux.create(
                        sink -> {
                            sink.onCancel(() -> sourceCancelled.set(true));
                            Thread thread = new Thread(() -> emit(sink, sourceCompleting), "emitter");
                            emitter.set(thread);
                            thread.start();
                        },
                        FluxSink.OverflowStrategy.IGNORE);
                CheckingSubscriber checker = new CheckingSubscriber(Long.MAX_VALUE, sourceCompleting);
                GoContext.deadlineOf(source).contextWrite(GoContext.with(ctx)).subscribe(checker);
                Future<?> cancel = cancelAfterSpinning(canceler, ctx, random.nextInt(20_000));
                // every party that could signal has finished: nothing can come late after this
                finish(cancel, what);
                emitter.get().join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
                assertThat(emitter.get().isAlive())
                        .as(what + ": the emitter finished")
                        .isFalse();
                checker.assertGood(what);
                canceled += checker.error.get() != null ? 1 : 0;
                if (checker.error.get() != null && !checker.sourceEndedBeforeError) {
                    // a source that had not started to complete when the error went out must have
                    // been cancelled; one that was completing already is left alone (it has ended)
                    assertThat(sourceCancelled)
                            .as(what + ": the source was cancelled")
                            .isTrue();
                }
            }
        } finally {
            canceler.shutdownNow();
        }
        System.out.println("non-fused: " + canceled + " of " + ROUNDS + " rounds ended by the cancel");
        assertThat(canceled)
                .as("seed " + seed + ": the cancel must win some rounds, or nothing raced")
                .isPositive();
    }

    @RepeatedTest(2)
    void aCancelRacingWithAFusedDrainIsSerialized() throws Exception {
        long seed = seed();
        SplittableRandom random = new SplittableRandom(seed);
        ExecutorService canceler = Executors.newSingleThreadExecutor();
        ExecutorService requester = Executors.newSingleThreadExecutor();
        int canceled = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                CancellableContext ctx = Context.background().withCancel();
                CheckingSubscriber checker = new CheckingSubscriber(0, new AtomicBoolean());
                GoContext.deadlineOf(Flux.range(0, 50_000))
                        .contextWrite(GoContext.with(ctx))
                        .subscribe(checker);
                Future<?> requests = requester.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        checker.request(100);
                    }
                });
                Future<?> cancel = cancelAfterSpinning(canceler, ctx, random.nextInt(20_000));
                // the drain runs on the requesting and the canceling threads: once both tasks are
                // over, nothing can come late
                String what = "seed " + seed + " round " + round;
                finish(requests, what);
                finish(cancel, what);
                checker.assertGood(what);
                canceled += checker.error.get() != null ? 1 : 0;
            }
        } finally {
            canceler.shutdownNow();
            requester.shutdownNow();
        }
        System.out.println("fused: " + canceled + " of " + ROUNDS + " rounds ended by the cancel");
        assertThat(canceled)
                .as("seed " + seed + ": the cancel must win some rounds, or nothing raced")
                .isPositive();
    }

    /** Waits, bounded, for {@code task} to finish; a failure names the seed and round. */
    private static void finish(Future<?> task, String what) throws InterruptedException {
        try {
            task.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError(what + ": a racing task did not finish", e);
        }
    }

    private static Future<?> cancelAfterSpinning(ExecutorService canceler, CancellableContext ctx, int spins) {
        return canceler.submit(() -> {
            for (int i = 0; i < spins; i++) {
                Thread.onSpinWait();
            }
            ctx.cancel();
        });
    }

    private static void emit(FluxSink<Integer> sink, AtomicBoolean completing) {
        for (int i = 0; i < 50_000 && !sink.isCancelled(); i++) {
            sink.next(i);
        }
        completing.set(true);
        sink.complete();
    }

    /** Fails on overlapping or late signals; counts terminals. */
    static final class CheckingSubscriber extends BaseSubscriber<Integer> {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger terminals = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final AtomicReference<String> violation = new AtomicReference<>();
        final CountDownLatch ended = new CountDownLatch(1);
        final long initialRequest;
        /** Set by the source just before it completes. */
        final AtomicBoolean sourceCompleting;
        /** Whether the source had started to complete when onError arrived. */
        volatile boolean sourceEndedBeforeError;

        int expectedNext;

        CheckingSubscriber(long initialRequest, AtomicBoolean sourceCompleting) {
            this.initialRequest = initialRequest;
            this.sourceCompleting = sourceCompleting;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            if (initialRequest > 0) {
                subscription.request(initialRequest);
            }
        }

        @Override
        protected void hookOnNext(Integer value) {
            enter("onNext");
            if (terminals.get() != 0) {
                violation.compareAndSet(null, "onNext after the terminal signal");
            }
            if (value != expectedNext++) {
                violation.compareAndSet(null, "out of order: " + value);
            }
            leave();
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            enter("onError");
            sourceEndedBeforeError = sourceCompleting.get();
            error.set(throwable);
            if (throwable != Context.CANCELED) {
                violation.compareAndSet(null, "unexpected error " + throwable);
            }
            terminals.incrementAndGet();
            leave();
            ended.countDown();
        }

        @Override
        protected void hookOnComplete() {
            enter("onComplete");
            terminals.incrementAndGet();
            leave();
            ended.countDown();
        }

        private void enter(String signal) {
            if (inFlight.incrementAndGet() != 1) {
                violation.compareAndSet(null, "concurrent " + signal);
            }
        }

        private void leave() {
            inFlight.decrementAndGet();
        }

        /** Called once every thread that could signal has finished. */
        void assertGood(String what) throws InterruptedException {
            assertThat(ended.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as(what + ": ended")
                    .isTrue();
            assertThat(violation.get()).as(what).isNull();
            assertThat(terminals.get()).as(what + ": terminals").isEqualTo(1);
        }
    }
}
