package dev.gocontext.reactor.http;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a server derives the ctx of each request from its headers ({@link GoContextHttp}): the
 * timeout is {@value GoContextHttp#REQUEST_TIMEOUT} clamped to {@link #maxTimeout()}, or {@link
 * #defaultTimeout()} when the header is absent; the request id is {@value GoContextHttp#REQUEST_ID}
 * when it is safe, else a new one. The Reactor Netty and WebFlux adapters use it; so can any other
 * server.
 *
 * <pre>{@code
 * RequestContextFactory requests = RequestContextFactory.builder()
 *         .maxTimeout(Duration.ofSeconds(10))
 *         .defaultTimeout(Duration.ofSeconds(3))
 *         .build();
 * }</pre>
 */
public final class RequestContextFactory {
    private static final int MAX_DIGITS = 18; // any 18-digit number fits a long

    private final Context parent;
    private final Duration maxTimeout;
    private final Duration defaultTimeout;

    private RequestContextFactory(Builder builder) {
        this.parent = builder.parent;
        this.maxTimeout = builder.maxTimeout;
        this.defaultTimeout =
                builder.defaultTimeout.compareTo(builder.maxTimeout) > 0 ? builder.maxTimeout : builder.defaultTimeout;
    }

    /** A factory with the defaults of {@link Builder}: at most 30 s, 30 s when no header says. */
    public static RequestContextFactory withDefaults() {
        return builder().build();
    }

    /** A builder, with a maximum and a default timeout of 30 s, under {@link Context#background()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The longest timeout a request gets, whatever its header says. */
    public Duration maxTimeout() {
        return maxTimeout;
    }

    /** The timeout of a request without {@value GoContextHttp#REQUEST_TIMEOUT}. */
    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /**
     * Derives the ctx of one request from its header values.
     *
     * @param timeoutValues the values of {@value GoContextHttp#REQUEST_TIMEOUT} (usually 0 or 1)
     * @param requestIdValues the values of {@value GoContextHttp#REQUEST_ID}
     * @return the scope of the request; its ctx must be canceled when the request ends
     * @throws InvalidRequestHeaderException if the timeout header is malformed, not positive, or
     *     repeated
     * @throws NullPointerException if an argument is null
     */
    public RequestScope open(List<String> timeoutValues, List<String> requestIdValues) {
        Duration timeout = timeoutOf(Objects.requireNonNull(timeoutValues, "timeoutValues"));
        Objects.requireNonNull(requestIdValues, "requestIdValues");
        String received = requestIdValues.size() == 1 ? requestIdValues.get(0) : null;
        boolean safe = GoContextHttp.isSafeRequestId(received);
        String requestId = safe && received != null ? received : GoContextHttp.newRequestId();
        boolean replaced = !safe && !requestIdValues.isEmpty();
        CancellableContext ctx =
                parent.withValue(GoContextHttp.REQUEST_ID_KEY, requestId).withTimeout(timeout);
        return new RequestScope(ctx, requestId, timeout, replaced);
    }

    private Duration timeoutOf(List<String> values) {
        if (values.isEmpty()) {
            return defaultTimeout;
        }
        if (values.size() > 1) {
            throw new InvalidRequestHeaderException(GoContextHttp.REQUEST_TIMEOUT + " must be given once");
        }
        String value = values.get(0).trim();
        if (value.isEmpty()) {
            throw malformed();
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw malformed();
            }
        }
        String digits = stripLeadingZeros(value);
        if (digits.isEmpty()) {
            throw malformed(); // zero
        }
        if (digits.length() > MAX_DIGITS) {
            return maxTimeout; // a huge budget: clamped
        }
        Duration requested = Duration.ofMillis(Long.parseLong(digits));
        return requested.compareTo(maxTimeout) > 0 ? maxTimeout : requested;
    }

    private static String stripLeadingZeros(String digits) {
        int i = 0;
        while (i < digits.length() && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }

    private static InvalidRequestHeaderException malformed() {
        return new InvalidRequestHeaderException(
                GoContextHttp.REQUEST_TIMEOUT + " must be a positive integer number of milliseconds");
    }

    @Override
    public String toString() {
        return "RequestContextFactory[max=" + maxTimeout + ", default=" + defaultTimeout + ", parent=" + parent + "]";
    }

    /**
     * Configures a {@link RequestContextFactory}.
     *
     * <pre>{@code
     * RequestContextFactory.builder().maxTimeout(Duration.ofSeconds(5)).parent(serverCtx).build();
     * }</pre>
     */
    public static final class Builder {
        private Context parent = Context.background();
        private Duration maxTimeout = Duration.ofSeconds(30);
        private Duration defaultTimeout = Duration.ofSeconds(30);

        private Builder() {}

        /**
         * The longest timeout a request gets; longer requested budgets are clamped to it.
         *
         * @throws IllegalArgumentException if {@code maxTimeout} is not positive
         * @throws NullPointerException if {@code maxTimeout} is null
         */
        public Builder maxTimeout(Duration maxTimeout) {
            this.maxTimeout = positive(maxTimeout, "maxTimeout");
            return this;
        }

        /**
         * The timeout of a request that sends no {@value GoContextHttp#REQUEST_TIMEOUT} (at most the
         * maximum).
         *
         * @throws IllegalArgumentException if {@code defaultTimeout} is not positive
         * @throws NullPointerException if {@code defaultTimeout} is null
         */
        public Builder defaultTimeout(Duration defaultTimeout) {
            this.defaultTimeout = positive(defaultTimeout, "defaultTimeout");
            return this;
        }

        /**
         * The context request contexts derive from, e.g. one canceled when the server shuts down.
         *
         * @throws NullPointerException if {@code parent} is null
         */
        public Builder parent(Context parent) {
            this.parent = Objects.requireNonNull(parent, "parent");
            return this;
        }

        /** The factory. */
        public RequestContextFactory build() {
            return new RequestContextFactory(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
