package dev.gocontext;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Running after-done actions: the internal pools, firing the waiters of a done node, error
 * reporting, and {@code afterDone} on user-written contexts.
 */
final class AfterDone {
    /** Threads of each internal pool at most; beyond that, tasks queue. */
    static final int MAX_THREADS = 256;

    /** The executor of {@link Context#afterDone(Runnable)}: user actions run here. */
    private static final ElasticExecutor ACTIONS =
            new ElasticExecutor("gocontext-afterdone-", MAX_THREADS, Duration.ofSeconds(30), Duration.ofSeconds(1));

    /**
     * Where the timer thread hands the waiters of a fired deadline that would run user code on it
     * (actions with a direct or user executor, as context-reactor registers its subscribers; a
     * user's {@code stop()}). A pool of its own: users' actions blocking every thread of {@link
     * #ACTIONS} must not hold up the delivery of any deadline.
     */
    private static final ElasticExecutor DEADLINES =
            new ElasticExecutor("gocontext-deadline-", MAX_THREADS, Duration.ofSeconds(30), Duration.ofSeconds(1));

    private AfterDone() {}

    /** The executor of {@link Context#afterDone(Runnable)}: a pool of daemon threads. */
    static Executor defaultExecutor() {
        return ACTIONS;
    }

    /**
     * Runs {@code action} on {@code executor}; whatever it throws, and a rejection by the
     * executor, goes to the running thread's uncaught-exception handler, never to the caller.
     */
    static void dispatch(Runnable action, Executor executor) {
        try {
            executor.execute(() -> {
                try {
                    action.run();
                } catch (RuntimeException | Error e) {
                    report(e);
                }
            });
        } catch (RuntimeException | Error e) {
            report(e);
        }
    }

    /** Reports {@code failure} to the current thread's uncaught-exception handler. */
    static void report(Throwable failure) {
        Thread thread = Thread.currentThread();
        thread.getUncaughtExceptionHandler().uncaughtException(thread, failure);
    }

    /**
     * Fires a chain of waiters (linked through {@code next}), in order, once every descendant of
     * their nodes is done. On the timer thread, the waiters that may run user code go, in one
     * batch and in order, to the deadline pool: the timer thread runs no user code.
     */
    static void fire(@Nullable Waiter chain) {
        if (chain == null) {
            return;
        }
        if (!SystemTimer.INSTANCE.isTimerThread()) {
            fireInOrder(chain);
            return;
        }
        Waiter userHead = null;
        Waiter userTail = null;
        for (Waiter w = chain; w != null; ) {
            Waiter next = w.next;
            w.next = null;
            if (!w.runsUserCode()) {
                w.fire();
            } else if (userTail == null) {
                userHead = userTail = w;
            } else {
                userTail.next = w;
                userTail = w;
            }
            w = next;
        }
        if (userHead != null) {
            Waiter batch = userHead;
            DEADLINES.execute(() -> fireInOrder(batch));
        }
    }

    private static void fireInOrder(Waiter chain) {
        for (Waiter w = chain; w != null; ) {
            Waiter next = w.next;
            w.next = null;
            w.fire();
            w = next;
        }
    }

    /**
     * {@link Context#afterDone(Runnable, Executor)} for a context this library did not write: one
     * of ours behind it, or the {@link ParentWatch} of its done signal; no thread either way.
     */
    static Registration onForeignContext(Context ctx, Runnable action, Executor executor) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(executor, "executor");
        Done done = ctx.done();
        if (done instanceof CancelNode.NodeDone nodeDone) {
            return nodeDone.node.afterDone(action, executor);
        }
        if (done == Done.never()) {
            AtomicBoolean stopped = new AtomicBoolean();
            return () -> stopped.compareAndSet(false, true); // never fires; stop() wins once
        }
        if (done.isDone()) {
            dispatch(action, executor);
            return () -> false;
        }
        return ParentWatch.of(ctx, done).afterDone(action, executor);
    }
}
