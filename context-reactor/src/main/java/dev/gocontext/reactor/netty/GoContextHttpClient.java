package dev.gocontext.reactor.netty;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;

/**
 * A Reactor Netty {@code HttpClient} customizer that carries the subscriber's ctx to the server
 * called, by gocontext's HTTP conventions ({@code GoContextHttp}):
 *
 * <ul>
 *   <li>to allowed hosts only, the request carries {@code X-Request-Timeout} (the ctx's remaining
 *       time in milliseconds) and {@code X-Request-ID} (the ctx's request id); to other hosts it
 *       carries neither, even if the caller set them;
 *   <li>the call is bound to the ctx until its response arrives: when the ctx is done first, the
 *       call is cancelled the way Reactor Netty expects a cancel (over HTTP/1.1 the connection is
 *       closed; over HTTP/2, {@code protocol(HttpProtocol.H2C)} or {@code H2}, only the call's
 *       stream is reset and the connection serves the next call; either way the server sees its
 *       client go away, which cancels its request ctx, and nothing is logged above DEBUG nor
 *       dropped to {@code onErrorDropped}) and fails with {@code ctx.err()}; a ctx that is already
 *       done fails the call before anything is sent; a call that fails once the ctx's deadline has
 *       passed on its clock, before the ctx's timer fires (the server called ran out of the same
 *       budget and closed the connection, or the wait for a pooled connection ended), fails with
 *       {@code Context.DEADLINE_EXCEEDED} too ({@code GoContextHttp.callError}).
 * </ul>
 *
 * <p>Over HTTP/1.1 every canceled call costs its connection (the next call opens a new one, and the
 * closed one waits in TIME_WAIT): where calls are often canceled in flight, for instance by short
 * deadlines between services, prefer HTTP/2 between them.
 *
 * <p>The ctx is the one in the Reactor context of the subscription ({@code GoContext.with}). The
 * body that follows the response is the subscriber's to bind: wrap the call in {@code
 * GoContext.deadlineOf} (a handler served by {@code GoContextHttpServer} or {@code
 * GoContextWebFilter} is bound already), and a ctx done while the body is coming cancels it too,
 * with the same quiet close. Cancelling is left to that one subscription, so that it is always a
 * cancel and never a connection closed under a reader:
 *
 * <pre>{@code
 * HttpClient client = GoContextHttpClient.propagation(OutboundPropagation.toHosts("prices.internal"))
 *         .apply(HttpClient.create());
 * Mono<String> price = GoContext.deadlineOf(client.get().uri("http://prices.internal/eur")
 *         .responseContent().aggregate().asString());
 * }</pre>
 */
public final class GoContextHttpClient {
    private GoContextHttpClient() {}

    /**
     * The customizer: {@code GoContextHttpClient.propagation(allowed).apply(httpClient)}.
     *
     * @throws NullPointerException if {@code propagation} is null
     */
    public static Function<HttpClient, HttpClient> propagation(OutboundPropagation propagation) {
        Objects.requireNonNull(propagation, "propagation");
        return client -> client.doOnRequest((request, connection) -> propagate(propagation, request))
                .mapConnect(connect -> GoContext.deadlineOf(connect)
                        .onErrorResume(e -> Mono.deferContextual(
                                view -> Mono.error(GoContextHttp.callError(GoContext.from(view), e)))));
    }

    /** The headers for this hop: a redirect gets its own, for its host and with the time remaining then. */
    private static void propagate(OutboundPropagation propagation, HttpClientRequest request) {
        Context ctx = GoContext.from(request.currentContextView());
        HttpHeaders headers = request.requestHeaders();
        headers.remove(propagation.timeoutHeader());
        headers.remove(propagation.requestIdHeader());
        propagation.headersForUrl(ctx, request.resourceUrl()).forEach(headers::set);
    }
}
