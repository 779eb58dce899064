package dev.gocontext.reactor.http;

import java.util.concurrent.CancellationException;

/**
 * The cause of a request ctx canceled because the client went away before the response was
 * complete (the connection closed, or the server framework cancelled the handling).
 *
 * <pre>{@code
 * if (ctx.cause() instanceof ClientDisconnectedException) {
 *     metrics.counter("abandoned").increment();
 * }
 * }</pre>
 */
public final class ClientDisconnectedException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /** With the message {@code "client disconnected"}. */
    public ClientDisconnectedException() {
        super("client disconnected");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
