package dev.gocontext.reactor.http;

/**
 * A request header that breaks the conventions of {@link GoContextHttp}: the server answers {@code
 * 400} with {@link #getMessage()} as a plain-text body. The message names the header and the rule,
 * never the received value.
 *
 * <pre>{@code
 * try {
 *     scope = factory.open(timeoutHeaders, idHeaders);
 * } catch (InvalidRequestHeaderException e) {
 *     return badRequest(e.getMessage());
 * }
 * }</pre>
 */
public final class InvalidRequestHeaderException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** With a message for the client. */
    public InvalidRequestHeaderException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a client's mistake: the server's stack says nothing
    }
}
