package dev.gocontext;

/**
 * The error of a context that was canceled (Go's {@code context.Canceled}); message {@code
 * "context canceled"}. Its only instance is {@link Context#CANCELED}.
 *
 * <pre>{@code
 * CancellableContext ctx = Context.background().withCancel();
 * ctx.cancel();
 * assert ctx.err() == Context.CANCELED;
 * }</pre>
 */
public final class CanceledException extends ContextException {
    private static final long serialVersionUID = 1L;

    CanceledException() {
        super("context canceled");
    }

    /** Keeps the singleton a singleton across Java serialization. */
    private Object readResolve() {
        return Context.CANCELED;
    }
}
