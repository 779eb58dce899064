package dev.gocontext.reactor.http;

import dev.gocontext.Context;
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
 * GoContextHttp#REQUEST_ID} with its request id, only to the hosts the application allows (the
 * values must not leak to third parties). Requests to other hosts carry neither header, even if
 * the caller set them.
 *
 * <pre>{@code
 * OutboundPropagation internal = OutboundPropagation.toHosts("orders.internal", "billing.internal");
 * WebClient client = WebClient.builder().filter(new GoContextExchangeFilter(internal)).build();
 * }</pre>
 */
public final class OutboundPropagation {
    private final Predicate<String> allowedHosts;
    private final String description;

    private OutboundPropagation(Predicate<String> allowedHosts, String description) {
        this.allowedHosts = allowedHosts;
        this.description = description;
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
        remaining.ifPresent(r -> headers.put(GoContextHttp.REQUEST_TIMEOUT, Long.toString(Math.max(1, millis(r)))));
        String id = GoContextHttp.requestId(ctx);
        if (GoContextHttp.isSafeRequestId(id)) {
            headers.put(GoContextHttp.REQUEST_ID, id);
        }
        return headers;
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
        return "OutboundPropagation[" + description + "]";
    }
}
