package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Go's {@code context.AfterFunc}: the action runs exactly once, asynchronously, after the context
 * is done, unless {@code stop()} returned true; {@code stop()} is true only for the call that
 * prevented the run.
 */
class AfterDoneTest {
    private final List<Throwable> uncaught = new ArrayList<>();
    private final Thread.UncaughtExceptionHandler savedHandler =
            Thread.currentThread().getUncaughtExceptionHandler();

    @AfterEach
    void restoreHandler() {
        Thread.currentThread().setUncaughtExceptionHandler(savedHandler);
    }

    /**
     * An executor over the default pool that counts hand-offs. A cancellation hands each action to
     * its executor before cancel() returns (on the canceling thread, no other walker being
     * around), so counting hand-offs then tells at once whether an action would run twice: no
     * waiting for a second run that should never come.
     */
    static final class CountingPool implements Executor {
        final AtomicInteger handedOff = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            handedOff.incrementAndGet();
            AfterDone.defaultExecutor().execute(task);
        }
    }

    @Test
    void runsOnceAfterCancelAndStopThenReturnsFalse() throws InterruptedException {
        CancellableContext ctx = Context.background().withCancel();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        CountingPool pool = new CountingPool();
        Registration registration = ctx.afterDone(
                () -> {
                    runs.incrementAndGet();
                    ran.countDown();
                },
                pool);
        assertThat(runs).hasValue(0);

        ctx.cancel();
        ctx.cancel(new Exception("again"));
        assertThat(pool.handedOff)
                .as("handed to the pool once, before cancel() returned")
                .hasValue(1);
        assertThat(ran.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(runs).hasValue(1);
        assertThat(registration.stop()).isFalse();
        assertThat(registration.stop()).isFalse();
    }

    @Test
    void stopBeforeDonePreventsTheRunAndSecondStopIsFalse() {
        CancellableContext ctx = Context.background().withCancel();
        AtomicInteger runs = new AtomicInteger();
        Registration registration = ctx.afterDone(runs::incrementAndGet, Runnable::run);
        assertThat(registration.stop()).isTrue();
        assertThat(registration.stop()).isFalse();
        ctx.cancel();
        assertThat(runs).hasValue(0);
    }

    @Test
    void stoppingOneActionLeavesTheOthers() {
        CancellableContext ctx = Context.background().withCancel();
        AtomicInteger runs = new AtomicInteger();
        List<Registration> registrations = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            registrations.add(ctx.afterDone(runs::incrementAndGet, Runnable::run));
        }
        int stopped = 0;
        for (int i = 0; i < registrations.size(); i += 3) {
            assertThat(registrations.get(i).stop()).isTrue();
            stopped++;
        }
        ctx.cancel();
        assertThat(runs).hasValue(1000 - stopped);
        assertThat(registrations).allSatisfy(r -> assertThat(r.stop()).isFalse());
    }

    @Test
    void onAnAlreadyDoneContextRunsAsynchronouslyAndStopIsFalse() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        Registration registration = ctx.afterDone(() -> ranOn.complete(Thread.currentThread()));
        assertThat(registration.stop()).isFalse();
        assertThat(ranOn.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isNotSameAs(Thread.currentThread());
    }

    @Test
    void defaultExecutorNeverRunsTheActionOnTheCancelingThreadEvenWhileItHoldsALock() throws Exception {
        Object lock = new Object();
        CancellableContext ctx = Context.background().withCancel();
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        ctx.afterDone(() -> {
            synchronized (lock) {
                ranOn.complete(Thread.currentThread());
            }
        });
        synchronized (lock) {
            ctx.cancel(); // would deadlock or run here if the action ran on this thread
            assertThat(ranOn).isNotDone();
        }
        Thread thread = ranOn.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(thread).isNotSameAs(Thread.currentThread());
        assertThat(thread.getName()).startsWith("gocontext-afterdone-");
        assertThat(thread.isDaemon()).isTrue();
    }

    @Test
    void actionsOfAFiredDeadlineRunOffTheTimerThread() throws Exception {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(1));
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        ctx.afterDone(() -> ranOn.complete(Thread.currentThread()));
        assertThat(ranOn.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).getName())
                .doesNotStartWith("gocontext-timer");
    }

    @Test
    void directExecutorRunsOnTheCancelingThreadAfterEveryDescendantIsDone() {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext child = parent.withCancel();
        CancellableContext grandchild = child.withValue(Key.of("k"), 1).withCancel();
        AtomicReference<String> seen = new AtomicReference<>();
        parent.afterDone(
                () -> seen.set(Thread.currentThread().getName() + " " + child.err() + " " + grandchild.err()),
                Runnable::run);
        parent.cancel();
        assertThat(seen.get())
                .isEqualTo(Thread.currentThread().getName() + " " + Context.CANCELED + " " + Context.CANCELED);
    }

    @Test
    void actionOnADescendantRunsWhenAnAncestorIsCanceled() {
        CancellableContext root = Context.background().withCancel();
        Context valueChild = root.withValue(Key.of("k"), 1);
        AtomicInteger runs = new AtomicInteger();
        valueChild.afterDone(runs::incrementAndGet, Runnable::run);
        root.withTimeout(Duration.ofHours(1)).afterDone(runs::incrementAndGet, Runnable::run);
        root.cancel();
        assertThat(runs).hasValue(2);
    }

    @Test
    void actionThatThrowsGoesToTheUncaughtExceptionHandlerAndOthersStillRun() {
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        CancellableContext ctx = Context.background().withCancel();
        AtomicInteger runs = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("boom");
        ctx.afterDone(runs::incrementAndGet, Runnable::run);
        ctx.afterDone(
                () -> {
                    throw boom;
                },
                Runnable::run);
        ctx.afterDone(runs::incrementAndGet, Runnable::run);

        ctx.cancel(); // returns normally

        assertThat(runs).hasValue(2);
        assertThat(uncaught).containsExactly(boom);
    }

    @Test
    void actionThatThrowsOnThePoolIsReportedToThatThreadsHandler() throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> seen = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-pool");
            t.setUncaughtExceptionHandler((thread, e) -> seen.add(e));
            return t;
        });
        try {
            CancellableContext ctx = Context.background().withCancel();
            AtomicInteger runs = new AtomicInteger();
            Error boom = new AssertionError("boom");
            ctx.afterDone(
                    () -> {
                        throw boom;
                    },
                    pool);
            ctx.afterDone(runs::incrementAndGet, pool);
            ctx.cancel();
            await().atMost(PATIENCE).until(() -> runs.get() == 1 && seen.contains(boom));
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void rejectingExecutorIsReportedAndCancelReturnsNormally() {
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        CancellableContext ctx = Context.background().withCancel();
        AtomicInteger runs = new AtomicInteger();
        RejectedExecutionException rejected = new RejectedExecutionException("full");
        ctx.afterDone(runs::incrementAndGet, r -> {
            throw rejected;
        });
        ctx.afterDone(runs::incrementAndGet, Runnable::run);
        ctx.cancel();
        assertThat(runs).hasValue(1);
        assertThat(uncaught).containsExactly(rejected);
    }

    @Test
    void onADeadlineDrivenByAManualClockRunsWhenTheClockPassesIt() {
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext ctx = TestSupport.rootOn(time).withTimeout(Duration.ofSeconds(1));
        AtomicInteger runs = new AtomicInteger();
        Registration registration = ctx.afterDone(runs::incrementAndGet, Runnable::run);
        time.advance(Duration.ofMillis(999));
        assertThat(runs).hasValue(0);
        time.advance(Duration.ofMillis(1));
        assertThat(runs).hasValue(1);
        assertThat(registration.stop()).isFalse();
    }

    @Test
    void onContextsThatCanNeverBeDoneNeverRunsAndStopIsTrue() {
        CancellableContext parent = Context.background().withCancel();
        AtomicInteger runs = new AtomicInteger();
        List<Registration> registrations = List.of(
                Context.background().afterDone(runs::incrementAndGet),
                parent.withoutCancel().afterDone(runs::incrementAndGet, Runnable::run),
                Context.todo().withValue(Key.of("k"), 1).afterDone(runs::incrementAndGet, Runnable::run));
        parent.cancel();
        assertThat(runs).hasValue(0);
        assertThat(registrations).allSatisfy(r -> assertThat(r.stop()).isTrue());
        assertThat(registrations).allSatisfy(r -> assertThat(r.stop()).isFalse());
    }

    @Test
    void onAUserWrittenContextRunsOnceWhenItIsDone() throws Exception {
        FutureContext custom = new FutureContext();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Void> ran = new CompletableFuture<>();
        CountingPool pool = new CountingPool();
        Registration kept = custom.afterDone(
                () -> {
                    runs.incrementAndGet();
                    ran.complete(null);
                },
                pool);
        Registration stopped = custom.afterDone(runs::incrementAndGet, Runnable::run);
        assertThat(stopped.stop()).isTrue();

        custom.finish(Context.CANCELED, Context.CANCELED); // completes the stage on this thread
        assertThat(pool.handedOff)
                .as("handed to the pool once, as the context became done")
                .hasValue(1);
        ran.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(runs).hasValue(1);
        assertThat(kept.stop()).isFalse();

        AtomicInteger late = new AtomicInteger();
        Registration afterDone = custom.afterDone(late::incrementAndGet, Runnable::run);
        assertThat(late).as("already done: runs at once").hasValue(1);
        assertThat(afterDone.stop()).isFalse();
    }

    @Test
    void userWrittenContextWithItsOwnAfterDoneIsUsed() {
        AfterFuncContext custom = new AfterFuncContext();
        AtomicInteger runs = new AtomicInteger();
        Registration registration = custom.afterDone(runs::incrementAndGet, Runnable::run);
        assertThat(custom.registered()).isEqualTo(1);
        assertThat(registration.stop()).isTrue();
        assertThat(custom.registered()).isZero();
        custom.afterDone(runs::incrementAndGet, Runnable::run);
        custom.finish(Context.CANCELED, Context.CANCELED);
        assertThat(runs).hasValue(1);
    }

    @Test
    void theTimerThreadNeverRunsAnActionEvenWithADirectExecutor() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(20))) {
            ctx.withCancel()
                    .afterDone(
                            () -> {
                                ranOn.set(Thread.currentThread());
                                ran.countDown();
                            },
                            Runnable::run);
            assertThat(ran.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        }
        assertThat(ranOn.get().getName())
                .as("the deadline fired on the timer thread")
                .doesNotStartWith("gocontext-timer");
    }
    /**
     * An action on a direct executor runs with no lock of this library held: another thread can
     * use the same context, its parent, the timer and a user-written context meanwhile. Checked
     * from another thread, since a lock held by the running thread would let that thread through.
     */
    @Test
    void aDirectExecutorActionRunsWithNoLibraryLockHeld() throws Exception {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext ctx = parent.withTimeout(Duration.ofHours(1));
        CancellableContext child = ctx.withCancel();
        FutureContext custom = new FutureContext();
        CompletableFuture<Boolean> otherThreadGotThrough = new CompletableFuture<>();
        ctx.afterDone(
                () -> {
                    Thread other = new Thread(() -> {
                        ctx.afterDone(() -> {}, Runnable::run);
                        ctx.withCancel().cancel();
                        ctx.done().toCompletionStage();
                        child.cancel();
                        parent.withCancel().cancel();
                        parent.withTimeout(Duration.ofHours(1)).cancel();
                        assertThat(custom.afterDone(() -> {}).stop()).isTrue();
                    });
                    other.setDaemon(true);
                    other.start();
                    try {
                        other.join(PATIENCE.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    otherThreadGotThrough.complete(!other.isAlive());
                },
                Runnable::run);
        ctx.cancel();
        assertThat(otherThreadGotThrough).isCompletedWithValue(true);
        parent.cancel();
    }
}
