package dev.gocontext;

/**
 * The error of a context whose deadline passed (Go's {@code context.DeadlineExceeded}); message
 * {@code "context deadline exceeded"}. Its only instance is {@link Context#DEADLINE_EXCEEDED}.
 *
 * <pre>{@code
 * try (CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(10))) {
 *     ctx.done().await();
 *     assert ctx.err() == Context.DEADLINE_EXCEEDED;
 * }
 * }</pre>
 */
public final class DeadlineExceededException extends ContextException {
    private static final long serialVersionUID = 1L;

    DeadlineExceededException() {
        super("context deadline exceeded");
    }

    /** Go's {@code DeadlineExceeded.Timeout()}: always {@code true}. */
    public boolean isTimeout() {
        return true;
    }

    /** Keeps the singleton a singleton across Java serialization. */
    private Object readResolve() {
        return Context.DEADLINE_EXCEEDED;
    }
}
