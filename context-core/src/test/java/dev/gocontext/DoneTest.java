package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link Done}: Go's {@code <-ctx.Done()} as isDone / await / await(timeout) / a completion stage. */
class DoneTest {
    @Test
    void isDoneTurnsTrueOnceAndStays() {
        CancellableContext ctx = Context.background().withCancel();
        Done done = ctx.done();
        assertThat(done.isDone()).isFalse();
        ctx.cancel();
        assertThat(done.isDone()).isTrue();
        assertThat(ctx.done().isDone()).isTrue();
    }

    @Test
    void viewsOfTheSameSignalAreEqual() {
        CancellableContext ctx = Context.background().withCancel();
        CancellableContext other = Context.background().withCancel();
        assertThat(ctx.done()).isEqualTo(ctx.done()).hasSameHashCodeAs(ctx.done());
        assertThat(ctx.withValue(Key.of("k"), 1).done()).isEqualTo(ctx.done());
        assertThat(ctx.done()).isNotEqualTo(other.done());
        ctx.cancel();
        other.cancel();
    }

    @Test
    void awaitReturnsAtOnceWhenDoneAndBlocksUntilCanceledOtherwise() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        CompletableFuture<Void> returned = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                ctx.withValue(Key.of("k"), 1).done().await();
                returned.complete(null);
            } catch (Throwable e) {
                returned.completeExceptionally(e);
            }
        });
        waiter.start();
        awaitWaiting(waiter);
        assertThat(returned).isNotDone();
        ctx.cancel();
        returned.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        ctx.done().await(); // already done: returns at once
    }

    @Test
    void awaitWithTimeoutReportsWhetherItWasDone() throws InterruptedException {
        CancellableContext ctx = Context.background().withCancel();
        assertThat(ctx.done().await(Duration.ofMillis(20))).isFalse();
        assertThat(ctx.done().await(Duration.ZERO)).isFalse();
        assertThat(ctx.done().await(Duration.ofSeconds(-1))).isFalse();
        ctx.cancel();
        assertThat(ctx.done().await(Duration.ZERO)).isTrue();
        assertThat(ctx.done().await(Duration.ofSeconds(-1))).isTrue();
        assertThat(ctx.done().await(Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
    }

    @Test
    void awaitWithAHugeTimeoutWaitsUntilDone() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                result.complete(ctx.done().await(Duration.ofSeconds(Long.MAX_VALUE)));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        waiter.start();
        awaitWaiting(waiter);
        ctx.cancel();
        assertThat(result.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void oneCancelReleasesEveryWaiter() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            boolean timed = i % 2 == 0;
            CompletableFuture<Boolean> result = new CompletableFuture<>();
            results.add(result);
            Thread t = new Thread(() -> {
                try {
                    if (timed) {
                        result.complete(ctx.done().await(Duration.ofHours(1)));
                    } else {
                        ctx.done().await();
                        result.complete(true);
                    }
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            awaitWaiting(t);
        }
        assertThat(waiters(ctx)).isEqualTo(8);
        ctx.cancel();
        for (CompletableFuture<Boolean> result : results) {
            assertThat(result.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .as("await reported the cancellation")
                    .isTrue();
        }
        assertThat(waiters(ctx)).isZero();
    }

    @Test
    void interruptedAwaitThrowsAndRemovesItsWaiter() throws Exception {
        try (CancellableContext ctx = Context.background().withCancel()) {
            for (boolean timed : new boolean[] {false, true}) {
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread waiter = new Thread(() -> {
                    try {
                        if (timed) {
                            ctx.done().await(Duration.ofHours(1));
                        } else {
                            ctx.done().await();
                        }
                    } catch (Throwable e) {
                        thrown.set(e);
                    }
                });
                waiter.start();
                awaitWaiting(waiter);
                assertThat(waiters(ctx)).isEqualTo(1);
                waiter.interrupt();
                waiter.join(PATIENCE.toMillis());
                assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
                assertThat(waiters(ctx)).as("the interrupted waiter is removed").isZero();
                assertThat(ctx.err()).isNull();
            }
        }
    }

    @Test
    void awaitOnAnInterruptedThreadThrowsAtOnceUnlessDone() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> ctx.done().await()).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> ctx.done().await(Duration.ofSeconds(1))).isInstanceOf(InterruptedException.class);
        assertThat(waiters(ctx)).isZero();
        ctx.cancel();
        Thread.interrupted();
    }

    @Test
    void neverIsNeverDoneAndItsWaitsTimeOutOrAreInterrupted() throws Exception {
        Done never = Done.never();
        assertThat(never.isDone()).isFalse();
        assertThat(never.await(Duration.ZERO)).isFalse();
        assertThat(never.await(Duration.ofMillis(10))).isFalse();
        assertThat(never.toCompletionStage().toCompletableFuture().isDone()).isFalse();

        for (boolean timed : new boolean[] {false, true}) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    if (timed) {
                        never.await(Duration.ofSeconds(Long.MAX_VALUE));
                    } else {
                        never.await();
                    }
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            waiter.start();
            awaitWaiting(waiter);
            waiter.interrupt();
            waiter.join(PATIENCE.toMillis());
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void completionStageCompletesNormallyOffTheCancelingThread() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        CompletionStage<Void> stage = ctx.done().toCompletionStage();
        CompletableFuture<Thread> dependentRanOn = new CompletableFuture<>();
        stage.thenRun(() -> dependentRanOn.complete(Thread.currentThread()));
        assertThat(stage.toCompletableFuture()).isNotDone();

        ctx.cancel();

        assertThat(dependentRanOn.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isNotSameAs(Thread.currentThread());
        assertThat(stage.toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isNull();
        assertThat(stage.toCompletableFuture()).isCompletedWithValue(null);
    }

    @Test
    void completionStageOfADoneContextIsAlreadyComplete() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThat(ctx.done().toCompletionStage().toCompletableFuture()).isCompletedWithValue(null);
        Context child = ctx.withValue(Key.of("k"), 1);
        assertThat(child.done().toCompletionStage().toCompletableFuture()).isCompletedWithValue(null);
    }

    @Test
    void callersCannotCompleteTheStage() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        CompletionStage<Void> first = ctx.done().toCompletionStage();
        CompletableFuture<Void> hijacked = first.toCompletableFuture();
        hijacked.complete(null);
        hijacked.obtrudeException(new IllegalStateException("obtruded"));
        if (first instanceof CompletableFuture<Void> cf) {
            try {
                cf.complete(null);
                cf.cancel(true);
            } catch (UnsupportedOperationException expected) {
                // a minimal stage refuses outright: fine
            }
        }
        CompletionStage<Void> second = ctx.done().toCompletionStage();

        assertThat(ctx.err()).isNull();
        assertThat(ctx.done().isDone()).isFalse();
        assertThat(second.toCompletableFuture()).isNotDone();
        assertThat(first.toCompletableFuture()).isNotDone();

        ctx.cancel();
        assertThat(second.toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isNull();
        assertThat(first.toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isNull();
    }

    @Test
    void neverStageCannotBeCompletedByCallers() {
        Done.never().toCompletionStage().toCompletableFuture().complete(null);
        assertThat(Done.never().toCompletionStage().toCompletableFuture()).isNotDone();
    }

    @Test
    void completionStageCompletesWhenADeadlineFires() throws Exception {
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext ctx = TestSupport.rootOn(time).withTimeout(Duration.ofSeconds(1));
        CompletionStage<Void> stage = ctx.done().toCompletionStage();
        time.advance(Duration.ofSeconds(1));
        assertThat(stage.toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isNull();
    }

    /** Waits until {@code t} is blocked (parked or waiting), i.e. inside an await. */
    static void awaitWaiting(Thread t) {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime() - end).as("%s never blocked", t).isNegative();
            Thread.onSpinWait();
        }
    }

    /** The number of waiters in the list of the node behind {@code ctx} (white box). */
    static int waiters(Context ctx) {
        return ((CancelNode) Derive.unwrap(ctx)).waiterCount();
    }
}
