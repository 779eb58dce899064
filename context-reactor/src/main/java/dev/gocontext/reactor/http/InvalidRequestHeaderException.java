package dev.gocontext.reactor.http;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A request header that breaks the conventions of {@link GoContextHttp}: the server answers {@code
 * 400} with {@link #getMessage()} as its body, and echoes {@link #requestId()}. The message names
 * the header and the rule, never the received value.
 *
 * <pre>{@code
 * try {
 *     scope = factory.open(method, path, headers::getAll);
 * } catch (InvalidRequestHeaderException e) {
 *     response.header(factory.requestIdHeader(), e.requestId().orElseGet(GoContextHttp::newRequestId));
 *     return badRequest(e.getMessage());
 * }
 * }</pre>
 */
public final class InvalidRequestHeaderException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final @Nullable String requestId;

    /** With a message for the client, and no request id. */
    public InvalidRequestHeaderException(String message) {
        this(message, null);
    }

    /**
     * With a message for the client and the request id to echo on the {@code 400}.
     *
     * @param requestId the received id if it was safe, else a new one; null if unknown
     */
    public InvalidRequestHeaderException(String message, @Nullable String requestId) {
        super(message);
        this.requestId = requestId;
    }

    /**
     * The request id to echo on the {@code 400}: the received one if it was safe, else a new one.
     * Empty if whoever threw this did not know it ({@link RequestContextFactory} always does).
     */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a client's mistake: the server's stack says nothing
    }
}
