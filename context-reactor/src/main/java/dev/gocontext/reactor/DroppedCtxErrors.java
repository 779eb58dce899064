package dev.gocontext.reactor;

import dev.gocontext.ContextException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Operators;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The sequence-local {@code onErrorDropped} hook that {@link GoContext#with} installs: an error that
 * Reactor drops in a sequence running under a ctx, and that is a ctx's own error ({@code
 * CanceledException}, {@code DeadlineExceededException}, possibly wrapped by a client on the way), is
 * shown at DEBUG instead of being logged at ERROR. Any other error goes on as if the hook were not
 * there: to the sequence-local hook that was there before, else to Reactor's global handling
 * ({@code Hooks.onErrorDropped}, or its ERROR log).
 *
 * <p>Reactor drops an error when it reaches an operator that can no longer deliver it, mostly one
 * whose subscriber has cancelled. A ctx's error dropped there comes from a cancellation that was
 * intended: a deadline firing on one thread while the event loop, on another, hands on a call's
 * failure of the same deadline, say, into a collector ({@code collect}, Spring's {@code
 * DataBufferUtils.join}) that the deadline's cancel emptied a moment before. No operator of this
 * library can order those two threads; an intentional cancellation must still not be logged as an
 * error.
 *
 * <p>Reactor reads the hook from the subscriber's context under the key {@value #KEY} (its {@code
 * Hooks.KEY_ON_ERROR_DROPPED}, which it keeps package-private); {@code DroppedCtxErrorsTest} checks
 * that Reactor still honours it.
 */
final class DroppedCtxErrors implements Consumer<Throwable> {
    /** The Reactor context key of a sequence-local {@code onErrorDropped} hook. */
    static final String KEY = "reactor.onErrorDropped.local";

    private static final DroppedCtxErrors ALONE = new DroppedCtxErrors(null);
    private static final Logger LOG = Loggers.getLogger(DroppedCtxErrors.class);

    /** The sequence-local hook this one was put in front of, or null. */
    private final @Nullable Consumer<? super Throwable> next;

    private DroppedCtxErrors(@Nullable Consumer<? super Throwable> next) {
        this.next = next;
    }

    /**
     * {@code reactorContext} with this hook in front of whatever sequence-local hook it has; as it
     * is when the hook is there already (a {@code GoContext.with} further down the same sequence).
     */
    static reactor.util.context.Context installIn(reactor.util.context.Context reactorContext) {
        Object present = reactorContext.getOrDefault(KEY, null);
        if (present instanceof DroppedCtxErrors) {
            return reactorContext;
        }
        @SuppressWarnings("unchecked")
        Consumer<? super Throwable> before =
                present instanceof Consumer<?> hook ? (Consumer<? super Throwable>) hook : null;
        return reactorContext.put(KEY, before == null ? ALONE : new DroppedCtxErrors(before));
    }

    @Override
    public void accept(Throwable dropped) {
        if (isCtxError(dropped)) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("a ctx's error dropped by an operator whose subscriber had ended it; ignored", dropped);
            }
            return;
        }
        if (next != null) {
            next.accept(dropped);
        } else {
            Operators.onErrorDropped(dropped, reactor.util.context.Context.empty());
        }
    }

    /** Whether {@code error} is, or is caused by, a ctx's error. */
    private static boolean isCtxError(Throwable error) {
        return Causes.any(error, cause -> cause instanceof ContextException);
    }

    @Override
    public String toString() {
        return next == null ? "DroppedCtxErrors" : "DroppedCtxErrors[then " + next + "]";
    }
}
