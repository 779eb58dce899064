package dev.gocontext.reactor;

import dev.gocontext.Context;
import java.util.concurrent.RejectedExecutionException;
import reactor.core.scheduler.Schedulers;

/**
 * Where the bridge delivers a ctx's done signal to Reactor subscribers.
 *
 * <p>A ctx canceled with {@code cancel()} is delivered at once, on the thread that cancels it, before
 * {@code cancel()} returns, as core propagates cancellation. A deadline is delivered on a {@link
 * Schedulers#parallel()} thread, where Reactor's own timers deliver (core hands a deadline's
 * actions from its timer thread to its own pool, which is no place for subscriber code either). A
 * thread that is already one of Reactor's non-blocking threads delivers directly.
 */
final class Delivery {
    private Delivery() {}

    /** Runs {@code signal} now, or on {@code parallel()} when {@code ctx} ended by its deadline. */
    static void onDone(Context ctx, Runnable signal) {
        if (ctx.err() == Context.DEADLINE_EXCEEDED && !Schedulers.isInNonBlockingThread()) {
            try {
                Schedulers.parallel().schedule(signal);
                return;
            } catch (RejectedExecutionException shutDown) {
                // the parallel scheduler was disposed: deliver here rather than never
            }
        }
        signal.run();
    }
}
