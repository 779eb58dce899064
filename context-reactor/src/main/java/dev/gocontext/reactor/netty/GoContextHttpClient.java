package dev.gocontext.reactor.netty;

import dev.gocontext.Context;
import dev.gocontext.Registration;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
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
 * with the same quiet close. Over HTTP/2 the ctx also resets the call's stream if it ends after the
 * response arrived and before the response ended, whoever holds the body (a {@code WebClient}
 * canceled as the response arrives would otherwise read the body to its end in the background,
 * keeping the stream, and the server's handler, busy); over HTTP/1.1 cancelling is left to that one
 * subscription, so that it is always a cancel and never a connection closed under a reader:
 *
 * <pre>{@code
 * HttpClient client = GoContextHttpClient.propagation(OutboundPropagation.toHosts("prices.internal"))
 *         .apply(HttpClient.create());
 * Mono<String> price = GoContext.deadlineOf(client.get().uri("http://prices.internal/eur")
 *         .responseContent().aggregate().asString());
 * }</pre>
 *
 * <p>Under Spring's {@code WebClient}, put {@code GoContextExchangeFilter} on the {@code WebClient}
 * (with or without this customization of its connector's client). Spring's connector releases a
 * response body on the thread that cancels the exchange; a cancel from another thread (a ctx's
 * deadline) can release it while the event loop is handing that response on, and the body read
 * that follows then fails with "released already due to cancellation", which Reactor drops to
 * {@code onErrorDropped}. The filter runs the exchange's cancel on the connection's event loop,
 * where it cannot overlap the hand-over; this customization, below the connector, cannot.
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
        return client -> client.doOnRequest((request, connection) -> {
                    propagate(propagation, request);
                    request.currentContextView()
                            .<EventLoopCancel>getOrEmpty(EventLoopCancel.class)
                            .ifPresent(onLoop -> onLoop.bind(connection));
                })
                .mapConnect(GoContextHttpClient::bound);
    }

    /**
     * The call bound to the subscriber's ctx: by {@code deadlineOf} until the response arrives (a
     * response that comes as the ctx ends is disposed); over HTTP/2, from then until the response
     * ends, a ctx done also resets the stream ({@link StreamReset}). The call's cancel, whoever
     * makes it, runs on its connection's event loop ({@link EventLoopCancel}, bound in {@code
     * doOnRequest}).
     */
    private static Mono<? extends Connection> bound(Mono<? extends Connection> connect) {
        return Mono.deferContextual(view -> {
            Context ctx = GoContext.from(view);
            EventLoopCancel onLoop = EventLoopCancel.create();
            return GoContext.deadlineOf(onLoop.apply(connect))
                    .doOnNext(response -> StreamReset.whenDone(ctx, response))
                    // a response that lost the race with the ctx is dropped by deadlineOf, and
                    // Reactor Netty no longer disposes what it has handed on: nobody would read it
                    // (an HTTP/1.1 exchange is left to Reactor Netty, which ends it on its own)
                    .doOnDiscard(Connection.class, StreamReset::ofDropped)
                    // what fails once the deadline passed, before the ctx's timer fired, fails of it
                    .onErrorResume(e -> Mono.error(GoContextHttp.callError(ctx, e)))
                    .contextWrite(context -> context.put(EventLoopCancel.class, onLoop));
        });
    }

    /**
     * Resets the stream of an HTTP/2 response when its ctx is done before the response ended, so
     * that nothing keeps reading a response nobody wants. A cancel that reaches Spring's Reactor
     * Netty connector after the response arrived, but before the connector handed it on, makes the
     * connector read the body to its end in the background (which lets an HTTP/1.1 connection be
     * reused): over HTTP/2 that read kept the stream open, the server's handler running and the
     * stream counted in the pool for as long as the body went on. A stream is never reused, so a
     * reset that comes after the response ended changes nothing; an HTTP/1.1 connection goes back
     * to the pool and is left alone.
     */
    private static final class StreamReset {
        private StreamReset() {}

        /** Resets the stream of an HTTP/2 response that nobody will read. */
        static void ofDropped(Connection response) {
            if (response.channel() instanceof Http2StreamChannel) {
                response.dispose();
            }
        }

        static void whenDone(Context ctx, Connection response) {
            if (!(response.channel() instanceof Http2StreamChannel)) {
                return;
            }
            // runs on the thread that ends the ctx: dispose only asks the event loop to reset
            Registration reset = ctx.afterDone(response::dispose, Runnable::run);
            response.onTerminate().subscribe(null, error -> reset.stop(), reset::stop);
        }
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
