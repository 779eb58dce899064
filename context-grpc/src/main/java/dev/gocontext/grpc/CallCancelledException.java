package dev.gocontext.grpc;

import java.util.concurrent.CancellationException;

/**
 * The cause of a server call's ctx canceled because the call was cancelled before the server
 * closed it: the client cancelled it (its own ctx was done, the user gave up), or the connection
 * was lost. gRPC does not say which, and never says why: the cancellation carries no reason over
 * the wire. gRPC's spelling ({@code Status.CANCELLED}, {@code ServerCall.Listener.onCancel}).
 *
 * <pre>{@code
 * Context ctx = GoContextGrpc.current();
 * ctx.afterDone(() -> {
 *     if (ctx.cause() instanceof CallCancelledException) {
 *         metrics.counter("grpc.abandoned").increment();
 *     }
 * });
 * }</pre>
 *
 * <p>Stackless: the stack of the thread that reports the cancellation says nothing about why.
 */
public final class CallCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /** With the message {@code "call cancelled by the client"}. */
    public CallCancelledException() {
        super("call cancelled by the client");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
