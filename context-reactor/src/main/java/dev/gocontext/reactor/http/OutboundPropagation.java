package dev.gocontext.reactor.http;

import dev.gocontext.Context;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What a client sends downstream from its ctx, and to which hosts: {@value
 * GoContextHttp#REQUEST_TIMEOUT} with the ctx's remaining time in milliseconds and {@value
 * GoContextHttp#REQUEST_ID} with its request id (or the names of {@link #withHeaderNames}), only to
 * the hosts the application allows (the values must not leak to third parties). Requests to other
 * hosts carry neither header, even if the caller set them; the time is computed for each request
 * sent, each redirect included.
 *
 * <pre>{@code
 * OutboundPropagation internal = OutboundPropagation.toHosts("orders.internal", "billing.internal");
 * WebClient client = WebClient.builder().filter(new GoContextExchangeFilter(internal)).build();
 * }</pre>
 */
public final class OutboundPropagation {
    private static final OutboundPropagation NONE = new OutboundPropagation(host -> false, "no host");

    private final Predicate<String> allowedHosts;
    private final String description;
    private final String timeoutHeader;
    private final String requestIdHeader;

    private OutboundPropagation(Predicate<String> allowedHosts, String description) {
        this(allowedHosts, description, GoContextHttp.REQUEST_TIMEOUT, GoContextHttp.REQUEST_ID);
    }

    private OutboundPropagation(
            Predicate<String> allowedHosts, String description, String timeoutHeader, String requestIdHeader) {
        this.allowedHosts = allowedHosts;
        this.description = description;
        this.timeoutHeader = timeoutHeader;
        this.requestIdHeader = requestIdHeader;
    }

    /**
     * Propagation to no host: every request goes out without the headers (and without those the
     * caller set).
     */
    public static OutboundPropagation none() {
        return NONE;
    }

    /**
     * Propagation to exactly these host names (compared without case).
     *
     * @throws NullPointerException if {@code hosts} or one of them is null
     */
    public static OutboundPropagation toHosts(String... hosts) {
        Set<String> names = Arrays.stream(Objects.requireNonNull(hosts, "hosts"))
                .map(h -> Objects.requireNonNull(h, "host").toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        return new OutboundPropagation(names::contains, "hosts " + names);
    }

    /**
     * Propagation to the hosts {@code allowed} accepts; it gets the lower-case host name.
     *
     * @throws NullPointerException if {@code allowed} is null
     */
    public static OutboundPropagation toHosts(Predicate<String> allowed) {
        return new OutboundPropagation(Objects.requireNonNull(allowed, "allowed"), "hosts matching " + allowed);
    }

    /**
     * A copy that sends (and strips) {@code timeoutHeader} and {@code requestIdHeader} instead of
     * {@value GoContextHttp#REQUEST_TIMEOUT} and {@value GoContextHttp#REQUEST_ID}: the names the
     * servers called read (see {@link RequestContextFactory.Builder#timeoutHeader(String)}).
     *
     * <pre>{@code
     * OutboundPropagation.toHosts("billing.internal").withHeaderNames("X-Budget-Ms", "X-Correlation-ID");
     * }</pre>
     *
     * @throws IllegalArgumentException if a name is not an HTTP token, or both are the same
     * @throws NullPointerException if a name is null
     */
    public OutboundPropagation withHeaderNames(String timeoutHeader, String requestIdHeader) {
        GoContextHttp.requireToken(timeoutHeader, "timeoutHeader");
        GoContextHttp.requireToken(requestIdHeader, "requestIdHeader");
        if (timeoutHeader.equalsIgnoreCase(requestIdHeader)) {
            throw new IllegalArgumentException(
                    "timeoutHeader and requestIdHeader must differ: both are " + timeoutHeader);
        }
        return new OutboundPropagation(allowedHosts, description, timeoutHeader, requestIdHeader);
    }

    /** The header that carries the remaining time, in milliseconds. */
    public String timeoutHeader() {
        return timeoutHeader;
    }

    /** The header that carries the request id. */
    public String requestIdHeader() {
        return requestIdHeader;
    }

    /** Whether requests to {@code host} carry the headers. */
    public boolean allows(@Nullable String host) {
        return host != null && allowedHosts.test(host.toLowerCase(Locale.ROOT));
    }

    /**
     * The headers to send to {@code host} for a call made under {@code ctx}: none if the host is
     * not allowed; else the remaining time (if the ctx has a deadline) and the request id (if the
     * ctx has a safe one). Callers remove both headers from the request before adding these.
     *
     * @throws NullPointerException if {@code ctx} is null
     */
    public Map<String, String> headersFor(Context ctx, @Nullable String host) {
        Objects.requireNonNull(ctx, "ctx");
        Map<String, String> headers = new LinkedHashMap<>(4);
        if (!allows(host)) {
            return headers;
        }
        Optional<Duration> remaining = ctx.remaining();
        remaining.ifPresent(r -> headers.put(timeoutHeader, Long.toString(Math.max(1, millis(r)))));
        String id = GoContextHttp.requestId(ctx);
        if (GoContextHttp.isSafeRequestId(id)) {
            headers.put(requestIdHeader, id);
        }
        return headers;
    }

    /**
     * The headers to send with a request to {@code url}, made under {@code ctx}: {@link
     * #headersFor(Context, String)} for the host of {@code url}; none if {@code url} is null or has
     * no host that can be read.
     *
     * @throws NullPointerException if {@code ctx} is null
     */
    public Map<String, String> headersForUrl(Context ctx, @Nullable String url) {
        return headersFor(ctx, hostOf(url));
    }

    private static @Nullable String hostOf(@Nullable String url) {
        if (url == null) {
            return null;
        }
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null; // not a URI we can read a host from: no propagation
        }
    }

    private static long millis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        String names =
                timeoutHeader.equals(GoContextHttp.REQUEST_TIMEOUT) && requestIdHeader.equals(GoContextHttp.REQUEST_ID)
                        ? ""
                        : ", headers " + timeoutHeader + "/" + requestIdHeader;
        return "OutboundPropagation[" + description + names + "]";
    }
}
