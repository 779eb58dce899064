package dev.gocontext.reactor.web;

import dev.gocontext.Context;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.InvalidRequestHeaderException;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestScope;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * A Spring WebFlux {@link WebFilter} that runs each request under its own ctx, by gocontext's HTTP
 * conventions ({@link GoContextHttp}):
 *
 * <ul>
 *   <li>the ctx's deadline comes from {@code X-Request-Timeout} (clamped; default when absent), and a
 *       malformed or non-positive value is answered {@code 400} with a plain-text message, without
 *       calling the rest of the chain;
 *   <li>{@code X-Request-ID} is echoed on the response, generated when absent, replaced when unsafe;
 *   <li>the rest of the chain runs with the ctx in its Reactor context ({@code GoContext.current()}
 *       in handlers) and bound to it; when the deadline passes first, the handling is cancelled and
 *       the response is {@code 504} (or the connection is closed, if the response was committed);
 *   <li>the ctx is canceled when the exchange completes or fails, and with a {@code
 *       ClientDisconnectedException} cause when the client goes away.
 * </ul>
 *
 * <pre>{@code
 * @Bean
 * GoContextWebFilter goContextWebFilter() {
 *     return new GoContextWebFilter(RequestContextFactory.builder().maxTimeout(Duration.ofSeconds(5)).build());
 * }
 * }</pre>
 *
 * <p>Its order is {@link Ordered#HIGHEST_PRECEDENCE}, so that every other filter runs under the
 * request ctx.
 */
public final class GoContextWebFilter implements WebFilter, Ordered {
    private final RequestContextFactory requests;

    /** With {@link RequestContextFactory#withDefaults()}. */
    public GoContextWebFilter() {
        this(RequestContextFactory.withDefaults());
    }

    /**
     * With the request policy of {@code requests}.
     *
     * @throws NullPointerException if {@code requests} is null
     */
    public GoContextWebFilter(RequestContextFactory requests) {
        this.requests = Objects.requireNonNull(requests, "requests");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        ServerHttpResponse response = exchange.getResponse();
        RequestScope scope;
        try {
            scope = requests.open(
                    headers.getOrEmpty(GoContextHttp.REQUEST_TIMEOUT), headers.getOrEmpty(GoContextHttp.REQUEST_ID));
        } catch (InvalidRequestHeaderException e) {
            return plain(response, HttpStatus.BAD_REQUEST, String.valueOf(e.getMessage()));
        }
        response.getHeaders().set(GoContextHttp.REQUEST_ID, scope.requestId());
        return scope.serve(Mono.defer(() -> chain.filter(exchange)), () -> gatewayTimeout(response));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    private static Mono<Void> gatewayTimeout(ServerHttpResponse response) {
        if (response.isCommitted()) {
            return Mono.error(Context.DEADLINE_EXCEEDED);
        }
        return plain(response, HttpStatus.GATEWAY_TIMEOUT, "request deadline exceeded");
    }

    private static Mono<Void> plain(ServerHttpResponse response, HttpStatus status, String message) {
        response.setStatusCode(status);
        response.getHeaders().setContentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8));
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        return response.writeWith(
                Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
