package dev.gocontext.reactor.web;

import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Writes the responses that {@link GoContextWebFilter} answers itself: {@code 400} for a malformed
 * budget header (the rest of the chain never runs) and {@code 504} when the deadline passes first.
 * The filter has set the request id header on the response before calling it; the responder sets
 * the status and writes the body, e.g. as the application's error format.
 *
 * <pre>{@code
 * RequestErrorResponder json = (exchange, status, message, requestId) -> {
 *     ServerHttpResponse response = exchange.getResponse();
 *     response.setStatusCode(status);
 *     response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
 *     byte[] body = problemJson(status, message, requestId);
 *     return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
 * };
 * new GoContextWebFilter(requests, json);
 * }</pre>
 */
@FunctionalInterface
public interface RequestErrorResponder {
    /**
     * Writes the response.
     *
     * @param exchange the exchange; its response is the real one, not yet committed
     * @param status {@code 400} or {@code 504}
     * @param message what went wrong, for the client: it names the rule, never a received value
     * @param requestId the request id, already echoed in the response headers
     * @return completes when the response is written
     */
    Mono<Void> respond(ServerWebExchange exchange, HttpStatus status, String message, String requestId);

    /**
     * The default: the status and the message as a {@code text/plain; charset=UTF-8} body, ending
     * with a line feed.
     */
    static RequestErrorResponder plainText() {
        return RequestErrorResponder::writePlainText;
    }

    private static Mono<Void> writePlainText(
            ServerWebExchange exchange, HttpStatus status, String message, String requestId) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(status);
        response.getHeaders().setContentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8));
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        return response.writeWith(
                Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
