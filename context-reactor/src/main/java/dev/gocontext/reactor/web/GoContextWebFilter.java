package dev.gocontext.reactor.web;

import dev.gocontext.Context;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.InvalidRequestHeaderException;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestScope;
import dev.gocontext.reactor.netty.ServerConnections;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A Spring WebFlux {@link WebFilter} that runs each request under its own ctx, by gocontext's HTTP
 * conventions ({@link GoContextHttp}) and the policy of a {@link RequestContextFactory}:
 *
 * <ul>
 *   <li>the ctx's deadline comes from the factory's route policies and the timeout header ({@code
 *       X-Request-Timeout} by default; clamped; default when absent), and a malformed or
 *       non-positive value is answered {@code 400}, without calling the rest of the chain; event
 *       streams, WebSocket upgrades and routes without a deadline get none;
 *   <li>the request id header ({@code X-Request-ID} by default) is echoed on the response,
 *       generated when absent, replaced when unsafe;
 *   <li>the rest of the chain runs with the ctx in its Reactor context ({@code GoContext.current()}
 *       in handlers) and bound to it; when the deadline passes first, the handling is cancelled and
 *       the response is {@code 504} (or the connection is closed, if the response was committed);
 *   <li>the ctx is canceled when the exchange completes or fails, and with a {@code
 *       ClientDisconnectedException} cause when the client goes away; on Reactor Netty, a request
 *       upgraded to a WebSocket keeps its ctx until the connection closes.
 * </ul>
 *
 * <p>The request's {@link RequestScope} is the exchange attribute {@link #SCOPE_ATTRIBUTE}; the
 * {@code 400} and {@code 504} are written by a {@link RequestErrorResponder} (plain text by default).
 *
 * <pre>{@code
 * @Bean
 * GoContextWebFilter goContextWebFilter() {
 *     return new GoContextWebFilter(RequestContextFactory.builder().maxTimeout(Duration.ofSeconds(5)).build());
 * }
 * }</pre>
 *
 * <p>Its order is {@link Ordered#HIGHEST_PRECEDENCE} unless given, so that every other filter runs
 * under the request ctx.
 */
public final class GoContextWebFilter implements WebFilter, Ordered {
    /** The exchange attribute that holds the request's {@link RequestScope}, set before the chain runs. */
    public static final String SCOPE_ATTRIBUTE = GoContextWebFilter.class.getName() + ".scope";

    private static final boolean REACTOR_NETTY = ClassUtils.isPresent(
            "reactor.netty.http.server.HttpServerResponse", GoContextWebFilter.class.getClassLoader());
    private static final String DEADLINE_EXCEEDED = "request deadline exceeded";

    private final RequestContextFactory requests;
    private final RequestErrorResponder responder;
    private final int order;

    // Built once: Spring's filter chain asks for it on every request (its checkpoint description).
    private final String description;

    /** With {@link RequestContextFactory#withDefaults()}. */
    public GoContextWebFilter() {
        this(RequestContextFactory.withDefaults());
    }

    /**
     * With the request policy of {@code requests}, plain-text errors.
     *
     * @throws NullPointerException if {@code requests} is null
     */
    public GoContextWebFilter(RequestContextFactory requests) {
        this(requests, RequestErrorResponder.plainText());
    }

    /**
     * With the request policy of {@code requests}; {@code responder} writes the {@code 400} and
     * {@code 504}.
     *
     * @throws NullPointerException if an argument is null
     */
    public GoContextWebFilter(RequestContextFactory requests, RequestErrorResponder responder) {
        this(requests, responder, Ordered.HIGHEST_PRECEDENCE);
    }

    /**
     * With the request policy of {@code requests}, {@code responder} for the {@code 400} and {@code
     * 504}, and the filter order {@code order}.
     *
     * @throws NullPointerException if an argument is null
     */
    public GoContextWebFilter(RequestContextFactory requests, RequestErrorResponder responder, int order) {
        this.requests = Objects.requireNonNull(requests, "requests");
        this.responder = Objects.requireNonNull(responder, "responder");
        this.order = order;
        this.description = "GoContextWebFilter[" + requests + ", order=" + order + "]";
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        HttpHeaders headers = request.getHeaders();
        RequestScope scope;
        try {
            scope = requests.open(
                    request.getMethod().name(),
                    request.getPath().pathWithinApplication().value(),
                    headers::getOrEmpty);
        } catch (InvalidRequestHeaderException e) {
            String requestId = e.requestId().orElseGet(GoContextHttp::newRequestId);
            exchange.getResponse().getHeaders().set(requests.requestIdHeader(), requestId);
            return responder.respond(exchange, HttpStatus.BAD_REQUEST, String.valueOf(e.getMessage()), requestId);
        }
        exchange.getAttributes().put(SCOPE_ATTRIBUTE, scope);
        ServerHttpResponse response = exchange.getResponse();
        response.getHeaders().set(requests.requestIdHeader(), scope.requestId());
        Object netty = REACTOR_NETTY ? OnReactorNetty.nativeResponse(response) : null;
        ClaimedResponse claimed = netty != null
                ? new ClaimedResponse(response, OnReactorNetty.unsentBodyRelease(netty)::afterWrite)
                : new ClaimedResponse(response);
        ServerWebExchange guarded = exchange.mutate().response(claimed).build();
        Mono<Void> handling = Mono.defer(() -> chain.filter(guarded));
        Supplier<Mono<Void>> gatewayTimeout = () -> gatewayTimeout(exchange, claimed, netty, scope.requestId());
        if (netty == null) {
            return scope.serve(handling, gatewayTimeout);
        }
        return scope.serve(
                OnReactorNetty.withWebSocket(netty, handling), gatewayTimeout, OnReactorNetty.clientGone(netty));
    }

    @Override
    public int getOrder() {
        return order;
    }

    private Mono<Void> gatewayTimeout(
            ServerWebExchange exchange, ClaimedResponse claimed, @Nullable Object netty, String requestId) {
        ServerHttpResponse real = claimed.getDelegate();
        boolean started = netty != null && OnReactorNetty.hasSentHeaders(netty);
        if (!claimed.claimForDeadline() || real.isCommitted() || started) {
            // the handler started its response: too late for a status, the connection is closed
            return netty != null ? OnReactorNetty.abort(netty) : Mono.error(Context.DEADLINE_EXCEEDED);
        }
        real.getHeaders().clearContentHeaders(); // whatever the handler prepared for its own body
        return responder.respond(exchange, HttpStatus.GATEWAY_TIMEOUT, DEADLINE_EXCEEDED, requestId);
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * The Reactor Netty side of an exchange, when WebFlux runs on it. Only this class names Reactor
     * Netty's types, and it is loaded only when Reactor Netty is on the class path; the filter holds
     * the native response as an {@code Object}.
     */
    private static final class OnReactorNetty {
        private OnReactorNetty() {}

        /** The Reactor Netty response under {@code response}, or null if it is another server's. */
        static @Nullable Object nativeResponse(ServerHttpResponse response) {
            try {
                Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
                return nativeResponse instanceof HttpServerResponse ? nativeResponse : null;
            } catch (IllegalArgumentException notAServerResponse) {
                return null; // a mock, or a response that is no server's
            }
        }

        static Mono<Void> withWebSocket(Object netty, Mono<Void> handling) {
            return ServerConnections.withWebSocket((HttpServerResponse) netty, handling);
        }

        static BooleanSupplier clientGone(Object netty) {
            return ServerConnections.clientGone((HttpServerResponse) netty);
        }

        static ServerConnections.UnsentBodyRelease unsentBodyRelease(Object netty) {
            return ServerConnections.unsentBodyRelease((HttpServerResponse) netty);
        }

        static boolean hasSentHeaders(Object netty) {
            return ((HttpServerResponse) netty).hasSentHeaders();
        }

        static Mono<Void> abort(Object netty) {
            return ServerConnections.abort((HttpServerResponse) netty);
        }
    }
}
