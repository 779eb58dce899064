package dev.gocontext.reactor.http;

import dev.gocontext.Context;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a server derives the ctx of each request ({@link GoContextHttp}):
 *
 * <ul>
 *   <li>the first {@link RoutePolicy} that matches the request's method and path decides whether it
 *       gets a deadline, and its default and maximum timeouts (each falling back to the factory's);
 *   <li>a request no route matches gets the factory's timeouts, except that an event stream
 *       ({@code Accept: text/event-stream}) or a WebSocket upgrade ({@code Upgrade: websocket})
 *       gets no deadline unless {@link Builder#streamingDeadline(boolean)} says so;
 *   <li>the budget is the timeout header ({@value GoContextHttp#REQUEST_TIMEOUT} by default, in
 *       milliseconds), else, if enabled, {@value GoContextHttp#GRPC_TIMEOUT} in gRPC's syntax,
 *       clamped to the maximum; without either, the default timeout;
 *   <li>the request id is the id header ({@value GoContextHttp#REQUEST_ID} by default) when it is
 *       safe, else a new one.
 * </ul>
 *
 * <p>A request without a deadline still gets a cancellable ctx: it is canceled when the exchange
 * ends or the client goes away. The Reactor Netty and WebFlux adapters use this class; so can any
 * other server.
 *
 * <pre>{@code
 * RequestContextFactory requests = RequestContextFactory.builder()
 *         .maxTimeout(Duration.ofSeconds(10))
 *         .defaultTimeout(Duration.ofSeconds(3))
 *         .route(RoutePolicy.path("/export/**").maxTimeout(Duration.ofMinutes(5)).build())
 *         .build();
 * }</pre>
 */
public final class RequestContextFactory {
    private static final int MAX_DIGITS = 18; // any 18-digit number fits a long
    private static final int MAX_GRPC_DIGITS = 8;
    private static final String EVENT_STREAM = "text/event-stream";
    private static final String WEBSOCKET = "websocket";

    private final Context parent;
    private final Duration maxTimeout;
    private final Duration defaultTimeout;
    private final List<RoutePolicy> routes;
    private final boolean streamingDeadline;
    private final String timeoutHeader;
    private final String requestIdHeader;
    private final boolean grpcTimeout;
    private final List<RequestListener> listeners;

    private RequestContextFactory(Builder builder) {
        this.parent = builder.parent;
        this.maxTimeout = builder.maxTimeout;
        this.defaultTimeout = min(builder.defaultTimeout, builder.maxTimeout);
        this.routes = List.copyOf(builder.routes);
        this.streamingDeadline = builder.streamingDeadline;
        this.timeoutHeader = builder.timeoutHeader;
        this.requestIdHeader = builder.requestIdHeader;
        this.grpcTimeout = builder.grpcTimeout;
        this.listeners = List.copyOf(builder.listeners);
    }

    /** A factory with the defaults of {@link Builder}: at most 30 s, 30 s when no header says. */
    public static RequestContextFactory withDefaults() {
        return builder().build();
    }

    /** A builder, with a maximum and a default timeout of 30 s, under {@link Context#background()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The longest timeout a request that no route matches gets, whatever its budget says. */
    public Duration maxTimeout() {
        return maxTimeout;
    }

    /** The timeout of a request that no route matches and that sends no budget. */
    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /** The route policies, in the order they are tried. */
    public List<RoutePolicy> routes() {
        return routes;
    }

    /** Whether event streams and WebSocket upgrades that no route matches get a deadline. */
    public boolean streamingDeadline() {
        return streamingDeadline;
    }

    /** The name of the header with the caller's budget in milliseconds. */
    public String timeoutHeader() {
        return timeoutHeader;
    }

    /** The name of the header with the request id; adapters echo the id under it. */
    public String requestIdHeader() {
        return requestIdHeader;
    }

    /** Whether {@value GoContextHttp#GRPC_TIMEOUT} is read when the timeout header is absent. */
    public boolean grpcTimeout() {
        return grpcTimeout;
    }

    /** The listeners told of every scope, in order. */
    public List<RequestListener> listeners() {
        return listeners;
    }

    /**
     * Derives the ctx of one request.
     *
     * @param method the request method, e.g. {@code "GET"}
     * @param path the request path without query string, e.g. {@code "/orders/42"}
     * @param headers all values of a header name, an empty list when absent (the name lookup
     *     ignores case: that is the caller's job)
     * @return the scope of the request; the listeners have been told it is open; it ends when the
     *     exchange that {@link RequestScope#serve} runs ends
     * @throws InvalidRequestHeaderException if the budget header is malformed, not positive, or
     *     repeated; it carries the request id to echo
     * @throws NullPointerException if an argument is null
     */
    public RequestScope open(String method, String path, Function<String, List<String>> headers) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headers, "headers");
        return open(method, path, routeFor(method, path), headers);
    }

    /**
     * Derives the ctx of one request from its header values alone, as a request with no method and
     * no path: no route applies, only the factory's defaults.
     *
     * @param timeoutValues the values of the timeout header (usually 0 or 1)
     * @param requestIdValues the values of the request id header
     * @return the scope of the request; its ctx must be canceled when the request ends
     * @throws InvalidRequestHeaderException if the timeout header is malformed, not positive, or
     *     repeated
     * @throws NullPointerException if an argument is null
     */
    public RequestScope open(List<String> timeoutValues, List<String> requestIdValues) {
        Objects.requireNonNull(timeoutValues, "timeoutValues");
        Objects.requireNonNull(requestIdValues, "requestIdValues");
        return open("", "", null, name -> {
            if (name.equalsIgnoreCase(timeoutHeader)) {
                return timeoutValues;
            }
            return name.equalsIgnoreCase(requestIdHeader) ? requestIdValues : List.of();
        });
    }

    private RequestScope open(
            String method, String path, @Nullable RoutePolicy route, Function<String, List<String>> headers) {
        List<String> ids = headers.apply(requestIdHeader);
        String received = ids.size() == 1 ? ids.get(0) : null;
        boolean safe = GoContextHttp.isSafeRequestId(received);
        String requestId = safe && received != null ? received : GoContextHttp.newRequestId();
        boolean replaced = !safe && !ids.isEmpty();

        Duration requested;
        try {
            requested = requestedBudget(headers);
        } catch (InvalidRequestHeaderException e) {
            throw new InvalidRequestHeaderException(String.valueOf(e.getMessage()), requestId);
        }
        boolean deadline = route != null ? route.deadline() : streamingDeadline || !isStream(headers);
        Context withId = parent.withValue(GoContextHttp.REQUEST_ID_KEY, requestId);
        if (!deadline) {
            return RequestScope.open(
                    withId.withCancel(), requestId, Duration.ZERO, false, replaced, method, path, listeners);
        }
        Duration max = route == null ? maxTimeout : route.maxTimeout().orElse(maxTimeout);
        Duration timeout = requested != null
                ? min(requested, max)
                : min(route == null ? defaultTimeout : route.defaultTimeout().orElse(defaultTimeout), max);
        return RequestScope.open(
                withId.withTimeout(timeout), requestId, timeout, true, replaced, method, path, listeners);
    }

    private @Nullable RoutePolicy routeFor(String method, String path) {
        for (RoutePolicy route : routes) {
            if (route.matches(method, path)) {
                return route;
            }
        }
        return null;
    }

    /** The budget the request sends, or null if it sends none. */
    private @Nullable Duration requestedBudget(Function<String, List<String>> headers) {
        List<String> values = headers.apply(timeoutHeader);
        if (!values.isEmpty()) {
            return millisecondsOf(once(values, timeoutHeader));
        }
        if (grpcTimeout) {
            List<String> grpc = headers.apply(GoContextHttp.GRPC_TIMEOUT);
            if (!grpc.isEmpty()) {
                return grpcTimeoutOf(once(grpc, GoContextHttp.GRPC_TIMEOUT));
            }
        }
        return null;
    }

    private static String once(List<String> values, String name) {
        if (values.size() > 1) {
            throw new InvalidRequestHeaderException(name + " must be given once");
        }
        return values.get(0).trim();
    }

    private Duration millisecondsOf(String value) {
        if (!isDigits(value, value.length())) {
            throw malformedTimeout();
        }
        String digits = stripLeadingZeros(value);
        if (digits.isEmpty()) {
            throw malformedTimeout(); // zero
        }
        if (digits.length() > MAX_DIGITS) {
            return ChronoUnit.FOREVER.getDuration(); // a huge budget: clamped to the maximum
        }
        return Duration.ofMillis(Long.parseLong(digits));
    }

    private InvalidRequestHeaderException malformedTimeout() {
        return new InvalidRequestHeaderException(timeoutHeader + " must be a positive integer number of milliseconds");
    }

    /** gRPC's TimeoutValue TimeoutUnit: 1 to 8 digits, then H, M, S, m, u or n. */
    private static Duration grpcTimeoutOf(String value) {
        int digits = value.length() - 1;
        if (digits < 1 || digits > MAX_GRPC_DIGITS || !isDigits(value, digits)) {
            throw malformedGrpcTimeout();
        }
        long amount = Long.parseLong(value.substring(0, digits));
        if (amount == 0) {
            throw malformedGrpcTimeout();
        }
        ChronoUnit unit = switch (value.charAt(digits)) {
            case 'H' -> ChronoUnit.HOURS;
            case 'M' -> ChronoUnit.MINUTES;
            case 'S' -> ChronoUnit.SECONDS;
            case 'm' -> ChronoUnit.MILLIS;
            case 'u' -> ChronoUnit.MICROS;
            case 'n' -> ChronoUnit.NANOS;
            default -> throw malformedGrpcTimeout();
        };
        return Duration.of(amount, unit);
    }

    private static InvalidRequestHeaderException malformedGrpcTimeout() {
        return new InvalidRequestHeaderException(GoContextHttp.GRPC_TIMEOUT
                + " must be a positive amount of 1 to 8 digits followed by a unit: H, M, S, m, u or n");
    }

    private static boolean isDigits(String value, int length) {
        if (length == 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String stripLeadingZeros(String digits) {
        int i = 0;
        while (i < digits.length() && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }

    /** Whether the request asks for an event stream or a WebSocket upgrade. */
    private static boolean isStream(Function<String, List<String>> headers) {
        return listsToken(headers.apply("Accept"), EVENT_STREAM, ';')
                || listsToken(headers.apply("Upgrade"), WEBSOCKET, '/');
    }

    /**
     * Whether a comma-separated header lists {@code token} (without case), ignoring what follows
     * {@code end} in an element (media type parameters, a protocol version).
     */
    private static boolean listsToken(List<String> values, String token, char end) {
        for (String value : values) {
            for (String element : value.split(",", -1)) {
                int cut = element.indexOf(end);
                String name = (cut < 0 ? element : element.substring(0, cut)).trim();
                if (name.equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) > 0 ? b : a;
    }

    @Override
    public String toString() {
        return "RequestContextFactory[max=" + maxTimeout + ", default=" + defaultTimeout + ", routes=" + routes
                + ", streamingDeadline=" + streamingDeadline + ", headers=" + timeoutHeader + "/" + requestIdHeader
                + (grpcTimeout ? "/" + GoContextHttp.GRPC_TIMEOUT : "") + ", parent=" + parent + "]";
    }

    /**
     * Configures a {@link RequestContextFactory}.
     *
     * <pre>{@code
     * RequestContextFactory.builder()
     *         .maxTimeout(Duration.ofSeconds(5))
     *         .route(RoutePolicy.path("/events/**").noDeadline().build())
     *         .timeoutHeader("X-Budget-Ms")
     *         .parent(serverCtx)
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private Context parent = Context.background();
        private Duration maxTimeout = Duration.ofSeconds(30);
        private Duration defaultTimeout = Duration.ofSeconds(30);
        private final List<RoutePolicy> routes = new ArrayList<>();
        private boolean streamingDeadline;
        private String timeoutHeader = GoContextHttp.REQUEST_TIMEOUT;
        private String requestIdHeader = GoContextHttp.REQUEST_ID;
        private boolean grpcTimeout;
        private final List<RequestListener> listeners = new ArrayList<>();

        private Builder() {}

        /**
         * The longest timeout a request gets; longer requested budgets are clamped to it.
         *
         * @throws IllegalArgumentException if {@code maxTimeout} is not positive
         * @throws NullPointerException if {@code maxTimeout} is null
         */
        public Builder maxTimeout(Duration maxTimeout) {
            this.maxTimeout = GoContextHttp.requirePositive(maxTimeout, "maxTimeout");
            return this;
        }

        /**
         * The timeout of a request that sends no budget (at most the maximum).
         *
         * @throws IllegalArgumentException if {@code defaultTimeout} is not positive
         * @throws NullPointerException if {@code defaultTimeout} is null
         */
        public Builder defaultTimeout(Duration defaultTimeout) {
            this.defaultTimeout = GoContextHttp.requirePositive(defaultTimeout, "defaultTimeout");
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

        /**
         * Adds a route policy, tried after those added before: the first that matches a request
         * decides.
         *
         * @throws NullPointerException if {@code policy} is null
         */
        public Builder route(RoutePolicy policy) {
            routes.add(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * Whether event streams ({@code Accept: text/event-stream}) and WebSocket upgrades that no
         * route matches get a deadline like any request; by default they get none.
         */
        public Builder streamingDeadline(boolean streamingDeadline) {
            this.streamingDeadline = streamingDeadline;
            return this;
        }

        /**
         * The header with the caller's budget in milliseconds, instead of {@value
         * GoContextHttp#REQUEST_TIMEOUT}.
         *
         * @throws IllegalArgumentException if {@code name} is not an HTTP token
         * @throws NullPointerException if {@code name} is null
         */
        public Builder timeoutHeader(String name) {
            this.timeoutHeader = GoContextHttp.requireToken(name, "timeoutHeader");
            return this;
        }

        /**
         * The header with the request id, instead of {@value GoContextHttp#REQUEST_ID}.
         *
         * @throws IllegalArgumentException if {@code name} is not an HTTP token
         * @throws NullPointerException if {@code name} is null
         */
        public Builder requestIdHeader(String name) {
            this.requestIdHeader = GoContextHttp.requireToken(name, "requestIdHeader");
            return this;
        }

        /**
         * Whether a request without the timeout header may send its budget as {@value
         * GoContextHttp#GRPC_TIMEOUT} in gRPC's syntax ({@code 100m}, {@code 5S}, {@code 2H}: 1 to 8
         * digits and a unit of H, M, S, m, u or n), as a gRPC-aware proxy sets it; a malformed one
         * is answered {@code 400}. Off by default.
         */
        public Builder grpcTimeout(boolean grpcTimeout) {
            this.grpcTimeout = grpcTimeout;
            return this;
        }

        /**
         * Adds a listener told of every scope (all listeners added are called, in order).
         *
         * @throws NullPointerException if {@code listener} is null
         */
        public Builder listener(RequestListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * The factory.
         *
         * @throws IllegalArgumentException if the timeout and request id headers have the same name
         */
        public RequestContextFactory build() {
            if (timeoutHeader.toLowerCase(Locale.ROOT).equals(requestIdHeader.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(
                        "timeoutHeader and requestIdHeader must differ: both are " + timeoutHeader);
            }
            return new RequestContextFactory(this);
        }
    }
}
