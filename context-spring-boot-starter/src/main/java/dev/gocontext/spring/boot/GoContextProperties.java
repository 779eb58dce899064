package dev.gocontext.spring.boot;

import dev.gocontext.LeakDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.Ordered;

/**
 * The {@code gocontext.*} configuration properties. Every value is checked at startup; a bad one
 * fails the application with a message that names the property.
 *
 * <pre>{@code
 * gocontext:
 *   web:
 *     default-timeout: 5s
 *     max-timeout: 20s
 *     routes:
 *       - path: /reports/**
 *         max-timeout: 2m
 *       - path: /events
 *         deadline: false
 *   client:
 *     allowed-hosts: orders.internal, *.billing.internal
 *   leak-detection: sampled
 * }</pre>
 */
@ConfigurationProperties("gocontext")
public class GoContextProperties {
    private final Web web = new Web();

    private final Client client = new Client();

    /**
     * The leak detection level (disabled, sampled, all or paranoid) of contexts created from
     * startup on. Unset, the level stays what it is: sampled, or the system property
     * gocontext.leakDetection.
     */
    private LeakDetection.@Nullable Level leakDetection;

    /** The request contexts of the WebFlux server. */
    public Web getWeb() {
        return web;
    }

    /** Propagation to the servers that Boot-built clients call. */
    public Client getClient() {
        return client;
    }

    /** The configured leak detection level; null when the property is not set. */
    public LeakDetection.@Nullable Level getLeakDetection() {
        return leakDetection;
    }

    /** Sets the leak detection level applied at startup; null leaves the level as it is. */
    public void setLeakDetection(LeakDetection.@Nullable Level leakDetection) {
        this.leakDetection = leakDetection;
    }

    /** {@code gocontext.web.*}: the request-ctx {@code WebFilter} and its policies. */
    public static class Web {
        /** Whether every request runs under its own context (the request-context WebFilter). */
        private boolean enabled = true;

        /**
         * The budget of a request that sends no timeout header. Unset: 30s, or max-timeout when
         * that is lower.
         */
        private @Nullable Duration defaultTimeout;

        /** The longest budget a request gets, whatever its timeout header asks for. */
        private Duration maxTimeout = Duration.ofSeconds(30);

        /**
         * Per-route policies, in order: the first whose path (a Spring PathPattern) and methods
         * match a request applies to it.
         */
        private List<Route> routes = new ArrayList<>();

        /**
         * Whether Server-Sent Events requests (Accept: text/event-stream) and WebSocket upgrades
         * get a deadline. By default they have none unless a route gives them one; they are still
         * canceled when the exchange ends or the client goes away.
         */
        private boolean streamingDeadline = false;

        /** The request header with the caller's budget in milliseconds. */
        private String timeoutHeader = "X-Request-Timeout";

        /** The request and response header with the request id. */
        private String requestIdHeader = "X-Request-ID";

        /**
         * Whether a grpc-timeout header (gRPC's syntax: 100m, 5S, 2H) gives the budget when the
         * timeout header is absent.
         */
        private boolean grpcTimeout = false;

        /**
         * The order of the request-context WebFilter. The default, the highest precedence, runs
         * every other filter under the request context.
         */
        private int filterOrder = Ordered.HIGHEST_PRECEDENCE;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable Duration getDefaultTimeout() {
            return defaultTimeout;
        }

        public void setDefaultTimeout(@Nullable Duration defaultTimeout) {
            this.defaultTimeout = defaultTimeout;
        }

        public Duration getMaxTimeout() {
            return maxTimeout;
        }

        public void setMaxTimeout(Duration maxTimeout) {
            this.maxTimeout = maxTimeout;
        }

        public List<Route> getRoutes() {
            return routes;
        }

        public void setRoutes(List<Route> routes) {
            this.routes = routes;
        }

        public boolean isStreamingDeadline() {
            return streamingDeadline;
        }

        public void setStreamingDeadline(boolean streamingDeadline) {
            this.streamingDeadline = streamingDeadline;
        }

        public String getTimeoutHeader() {
            return timeoutHeader;
        }

        public void setTimeoutHeader(String timeoutHeader) {
            this.timeoutHeader = timeoutHeader;
        }

        public String getRequestIdHeader() {
            return requestIdHeader;
        }

        public void setRequestIdHeader(String requestIdHeader) {
            this.requestIdHeader = requestIdHeader;
        }

        public boolean isGrpcTimeout() {
            return grpcTimeout;
        }

        public void setGrpcTimeout(boolean grpcTimeout) {
            this.grpcTimeout = grpcTimeout;
        }

        public int getFilterOrder() {
            return filterOrder;
        }

        public void setFilterOrder(int filterOrder) {
            this.filterOrder = filterOrder;
        }
    }

    /** {@code gocontext.web.routes[N].*}: the policy of the requests one path pattern matches. */
    public static class Route {
        /** The path pattern (Spring PathPattern syntax: /orders/{id}, /reports/**). Required. */
        private @Nullable String path;

        /** The HTTP methods the route applies to; empty: every method. */
        private List<String> methods = new ArrayList<>();

        /** The budget of a matching request that sends no timeout header; unset: gocontext.web's. */
        private @Nullable Duration defaultTimeout;

        /** The clamp for a matching request's budget; unset: gocontext.web's. */
        private @Nullable Duration maxTimeout;

        /**
         * Whether matching requests get a deadline. false: no deadline; the request context is
         * canceled only when the exchange ends or the client goes away.
         */
        private boolean deadline = true;

        public @Nullable String getPath() {
            return path;
        }

        public void setPath(@Nullable String path) {
            this.path = path;
        }

        public List<String> getMethods() {
            return methods;
        }

        public void setMethods(List<String> methods) {
            this.methods = methods;
        }

        public @Nullable Duration getDefaultTimeout() {
            return defaultTimeout;
        }

        public void setDefaultTimeout(@Nullable Duration defaultTimeout) {
            this.defaultTimeout = defaultTimeout;
        }

        public @Nullable Duration getMaxTimeout() {
            return maxTimeout;
        }

        public void setMaxTimeout(@Nullable Duration maxTimeout) {
            this.maxTimeout = maxTimeout;
        }

        public boolean isDeadline() {
            return deadline;
        }

        public void setDeadline(boolean deadline) {
            this.deadline = deadline;
        }
    }

    /** {@code gocontext.client.*}: outbound propagation. */
    public static class Client {
        /**
         * The hosts that receive the timeout and request-id headers from Boot-built WebClients and
         * Reactor Netty HttpClients: exact names, or *.domain for every subdomain of domain. Other
         * hosts never get them.
         */
        private List<String> allowedHosts = new ArrayList<>();

        public List<String> getAllowedHosts() {
            return allowedHosts;
        }

        public void setAllowedHosts(List<String> allowedHosts) {
            this.allowedHosts = allowedHosts;
        }
    }
}
