package dev.gocontext.reactor;

import java.util.concurrent.CancellationException;

/**
 * The cause given to a context that {@link GoContext#cancelOnDispose} cancels because the
 * downstream cancelled (disposed) the subscription: so that work bound to that context can tell
 * who cancelled it.
 *
 * <pre>{@code
 * Throwable why = ctx.cause();
 * if (why instanceof SubscriptionCancelledException) {
 *     log.debug("caller went away");
 * }
 * }</pre>
 *
 * <p>Stackless: the stack of the thread that cancelled says nothing about why.
 */
public final class SubscriptionCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /** With the message {@code "subscription cancelled by downstream"}. */
    public SubscriptionCancelledException() {
        super("subscription cancelled by downstream");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
