package dev.gocontext.reactor.netty;

import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.InvalidRequestHeaderException;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestScope;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Objects;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Wraps a Reactor Netty {@code HttpServer} handler (or route) so that each request runs under its
 * own ctx, by gocontext's HTTP conventions ({@link GoContextHttp}):
 *
 * <ul>
 *   <li>the ctx's deadline comes from the factory's route policies and the timeout header ({@code
 *       X-Request-Timeout} by default; clamped; default when absent), and a malformed or
 *       non-positive value is answered {@code 400} with a plain-text message, without calling the
 *       handler; event streams, WebSocket upgrades and routes without a deadline get none;
 *   <li>the request id header ({@code X-Request-ID} by default) is echoed on the response,
 *       generated when absent, replaced when unsafe;
 *   <li>the handler's publisher runs with the ctx in its Reactor context ({@code
 *       GoContext.current()}) and bound to it; when the deadline passes first, the handler is
 *       cancelled and the response is {@code 504} (or the connection is closed, if the handler had
 *       started its response); once the 504 has the response, handler code still running on
 *       another thread reaches nothing of it (its status, headers, cookies and sends are
 *       discarded);
 *   <li>the ctx is canceled when the exchange completes or fails, and with a {@code
 *       ClientDisconnectedException} cause when the client goes away; a request the handler
 *       upgraded to a WebSocket keeps its ctx until the connection closes.
 * </ul>
 *
 * <pre>{@code
 * RequestContextFactory requests = RequestContextFactory.builder().maxTimeout(Duration.ofSeconds(5)).build();
 * HttpServer.create()
 *         .route(routes -> routes.get("/quote", GoContextHttpServer.handler(requests,
 *                 (request, response) -> response.sendString(quotes.next()))))   // quotes.next() may use GoContext.current()
 *         .bindNow();
 * }</pre>
 */
public final class GoContextHttpServer {
    private static final String PLAIN_TEXT = "text/plain; charset=utf-8";

    private GoContextHttpServer() {}

    /**
     * The handler, run under a request ctx from {@code requests}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler(
            RequestContextFactory requests,
            BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(handler, "handler");
        return (request, response) -> {
            HttpHeaders headers = request.requestHeaders();
            RequestScope scope;
            try {
                scope = requests.open(request.method().name(), pathOf(request), headers::getAll);
            } catch (InvalidRequestHeaderException e) {
                response.header(requests.requestIdHeader(), e.requestId().orElseGet(GoContextHttp::newRequestId));
                return plain(response, HttpResponseStatus.BAD_REQUEST, String.valueOf(e.getMessage()));
            }
            response.header(requests.requestIdHeader(), scope.requestId());
            ClaimedResponse claimed = new ClaimedResponse(response, ServerConnections.unsentBodyRelease(response));
            Mono<Void> handling = Mono.defer(() -> Mono.from(handler.apply(request, claimed)));
            return scope.serve(
                    ServerConnections.withWebSocket(response, handling),
                    () -> gatewayTimeout(claimed, response),
                    ServerConnections.clientGone(response));
        };
    }

    /** The path without query string, decoded as Reactor Netty's routes see it; raw if it cannot be decoded. */
    private static String pathOf(HttpServerRequest request) {
        String literal = literalPath(request.uri());
        if (literal != null) {
            return literal;
        }
        try {
            return request.fullPath(); // parses a java.net.URI: a tenth of a trivial request's CPU time
        } catch (IllegalArgumentException undecodable) {
            return request.uri().split("[?#]", 2)[0];
        }
    }

    /**
     * The path of {@code uri} when decoding cannot change it, else null: an origin-form URI (it
     * starts with {@code /}) whose path holds no percent escape and only the characters a URI path
     * holds as they are (RFC 3986 {@code pchar} without escapes, and {@code /}); then it is exactly
     * what {@link HttpServerRequest#fullPath()} returns.
     */
    static @Nullable String literalPath(String uri) {
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            return null;
        }
        for (int i = 1; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                return uri.substring(0, i);
            }
            if (!isLiteralPathChar(c)) {
                return null;
            }
        }
        return uri;
    }

    private static boolean isLiteralPathChar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || "/-._~!$&'()*+,;=:@".indexOf(c) >= 0;
    }

    private static Mono<Void> gatewayTimeout(ClaimedResponse claimed, HttpServerResponse response) {
        if (!claimed.claimForDeadline() || response.hasSentHeaders()) {
            // the handler started its response: too late for a status, the client sees it cut
            return ServerConnections.abort(response);
        }
        ClaimedResponse.clearContentHeaders(response.responseHeaders()); // what the handler prepared for its body
        return plain(response, HttpResponseStatus.GATEWAY_TIMEOUT, "request deadline exceeded");
    }

    private static Mono<Void> plain(HttpServerResponse response, HttpResponseStatus status, String message) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, PLAIN_TEXT)
                .sendString(Mono.just(message + "\n"))
                .then();
    }
}
