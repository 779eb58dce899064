package dev.gocontext;

import java.util.Objects;
import java.util.concurrent.Executor;

/** Running after-done actions: the default executor, error reporting, user-written contexts. */
final class AfterDone {
    private AfterDone() {}

    /** The executor of {@link Context#afterDone(Runnable)}: a pool of daemon threads. */
    static Executor defaultExecutor() {
        return ElasticExecutor.INSTANCE;
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
     * {@link Context#afterDone(Runnable, Executor)} for a context this library did not write:
     * chains on its done signal, without a thread.
     */
    static Registration onForeignContext(Context ctx, Runnable action, Executor executor) {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(executor, "executor");
        Done done = ctx.done();
        if (done instanceof NodeDone nodeDone) {
            return nodeDone.node.afterDone(action, executor);
        }
        OnceRegistration registration = new OnceRegistration(action, executor);
        if (done == Done.never()) {
            return registration; // never fires; stop() still reports it stopped the action
        }
        if (done.isDone()) {
            registration.fire();
        } else {
            registration.watch(done.toCompletionStage());
        }
        return registration;
    }
}
