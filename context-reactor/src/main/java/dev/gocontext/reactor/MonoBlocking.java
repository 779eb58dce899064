package dev.gocontext.reactor;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * {@link GoContext#blocking(Scheduler, GoContext.BlockingCall)}: runs a blocking call on a scheduler
 * (bounded elastic by default), bound to a child of the subscriber's ctx. The child is canceled when
 * the subscriber's ctx is done or the downstream cancels, and then the thread running the call is
 * interrupted, once, and its interrupt status cleared before the thread goes back to its pool.
 */
final class MonoBlocking<T> extends Mono<T> implements Scannable {
    final Scheduler scheduler;
    final GoContext.BlockingCall<T> call;

    private MonoBlocking(Scheduler scheduler, GoContext.BlockingCall<T> call) {
        this.scheduler = scheduler;
        this.call = call;
    }

    /** The operator, through Reactor's assembly hooks. */
    static <T> Mono<T> of(Scheduler scheduler, GoContext.BlockingCall<T> call) {
        return onAssembly(new MonoBlocking<>(scheduler, call));
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        Context parent = GoContext.from(actual.currentContext());
        ContextException err = parent.err();
        if (err != null) {
            EarlyError.signal(actual, err);
            return;
        }
        BlockingTask<T> task = new BlockingTask<>(actual, parent.withCancel(), call);
        actual.onSubscribe(task);
        task.start(scheduler);
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_ON) return scheduler;
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.ASYNC;
        return null;
    }

    /** One subscription: the task on the scheduler, and the subscription of the downstream. */
    static final class BlockingTask<T> extends Operators.MonoSubscriber<T, T> implements Runnable {
        private static final int NEW = 0;
        private static final int RUNNING = 1;
        private static final int INTERRUPTING = 2;
        private static final int INTERRUPTED = 3;
        private static final int FINISHED = 4;
        private static final int ABANDONED = 5;

        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<BlockingTask> PHASE =
                AtomicIntegerFieldUpdater.newUpdater(BlockingTask.class, "phase");

        private final CancellableContext ctx;
        private final GoContext.BlockingCall<T> call;

        // NEW -> RUNNING -> FINISHED, or RUNNING -> INTERRUPTING -> INTERRUPTED (the call was
        // interrupted, then it finishes), or NEW -> ABANDONED (ctx done before the call started).
        // Only the thread that moves RUNNING -> INTERRUPTING interrupts `runner`, and the runner
        // waits for INTERRUPTED before clearing its interrupt status, so no interrupt outlives
        // the call.
        private volatile int phase;

        // Written by the runner before it moves NEW -> RUNNING.
        private volatile @Nullable Thread runner;

        // The scheduler's handle of the task; null until start() has scheduled it. Whichever of
        // start() and ctxDone() sees both the handle and ABANDONED disposes it (dispose is idempotent).
        private volatile @Nullable Disposable future;

        BlockingTask(CoreSubscriber<? super T> actual, CancellableContext ctx, GoContext.BlockingCall<T> call) {
            super(actual);
            this.ctx = ctx;
            this.call = call;
        }

        void start(Scheduler scheduler) {
            ctx.afterDone(this::ctxDone, Runnable::run);
            if (phase != NEW) {
                return; // cancelled during onSubscribe (or its ctx done since): nothing to schedule
            }
            try {
                Disposable f = scheduler.schedule(this);
                future = f;
                if (phase == ABANDONED) {
                    f.dispose(); // abandoned while being scheduled, before ctxDone could see the handle
                }
            } catch (RejectedExecutionException e) {
                if (PHASE.compareAndSet(this, NEW, ABANDONED)) {
                    ctx.cancel();
                    actual.onError(Operators.onRejectedExecution(e, actual.currentContext()));
                }
            }
        }

        @Override
        public void run() {
            runner = Thread.currentThread();
            if (!PHASE.compareAndSet(this, NEW, RUNNING)) {
                return; // abandoned before it started
            }
            T value = null;
            Throwable failure = null;
            try {
                value = call.call(ctx);
            } catch (Throwable t) {
                Exceptions.throwIfJvmFatal(t);
                failure = t;
            }
            if (!PHASE.compareAndSet(this, RUNNING, FINISHED)) {
                while (phase != INTERRUPTED) {
                    Thread.onSpinWait();
                }
                Thread.interrupted(); // our interrupt: do not leak it to the pool's next task
            }
            runner = null;
            ContextException err = ctx.err();
            ctx.cancel(); // Go's defer cancel(): the child is released either way
            if (isCancelled()) {
                discard(value);
            } else if (err != null) {
                discard(value);
                actual.onError(err);
            } else if (failure != null) {
                actual.onError(failure);
            } else if (value == null) {
                actual.onComplete();
            } else {
                complete(value);
            }
        }

        /** The child ctx is done: the parent is done, the downstream cancelled, or the call ended. */
        private void ctxDone() {
            while (true) {
                int p = phase;
                if (p == NEW) {
                    if (PHASE.compareAndSet(this, NEW, ABANDONED)) {
                        Disposable f = future;
                        if (f != null) {
                            f.dispose();
                        }
                        if (!isCancelled()) {
                            ContextException err = ctx.err();
                            Delivery.onDone(ctx, () -> actual.onError(err != null ? err : Context.CANCELED));
                        }
                        return;
                    }
                } else if (p == RUNNING) {
                    if (PHASE.compareAndSet(this, RUNNING, INTERRUPTING)) {
                        Thread t = runner;
                        if (t != null) {
                            t.interrupt();
                        }
                        phase = INTERRUPTED;
                        return;
                    }
                } else {
                    return;
                }
            }
        }

        @Override
        public void cancel() {
            super.cancel();
            ctx.cancel(new SubscriptionCancelledException());
        }

        @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
        @Override
        public @Nullable Object scanUnsafe(Attr key) {
            if (key == Attr.RUN_STYLE) return Attr.RunStyle.ASYNC;
            return super.scanUnsafe(key);
        }
    }
}
