package dev.gocontext;

/**
 * Why a context is done: {@link Context#CANCELED} or {@link Context#DEADLINE_EXCEEDED}, Go's
 * {@code context.Canceled} and {@code context.DeadlineExceeded}.
 *
 * <p>There are exactly two instances, shared by every context; compare them with {@code ==}. They
 * are stackless and suppression is disabled, so throwing one costs no more than a return:
 *
 * <pre>{@code
 * ContextException err = ctx.err();
 * if (err == Context.DEADLINE_EXCEEDED) {
 *     return Response.gatewayTimeout();
 * }
 * if (err != null) {
 *     throw err;   // cheap: no stack trace is filled in
 * }
 * }</pre>
 *
 * <p>A richer reason, when one was given, is {@link Context#cause()}.
 */
public abstract sealed class ContextException extends RuntimeException
        permits CanceledException, DeadlineExceededException {
    private static final long serialVersionUID = 1L;

    ContextException(String message) {
        super(message, null, false, false);
    }
}
