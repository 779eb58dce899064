package dev.gocontext.reactor.faults;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * The library's three client stacks, built once over one Reactor Netty client (its pool and
 * protocol), as an application builds them; a call through any of them, tagged with a call id.
 */
final class ClientStacks {
    /** The header that tags each call, for the server to find it. */
    static final String CALL_ID = "X-Call";

    private static final OutboundPropagation LOOPBACK = OutboundPropagation.toHosts("127.0.0.1");

    /** How the call is made: the clients of the library, alone and as the sample service stacks them. */
    enum Stack {
        /** Reactor Netty with {@code GoContextHttpClient}, the call bound by {@code deadlineOf}. */
        NETTY,
        /** {@code WebClient} with {@code GoContextExchangeFilter}. */
        WEBCLIENT,
        /**
         * {@code WebClient} with {@code GoContextExchangeFilter} over a Reactor Netty client with {@code
         * GoContextHttpClient}, bound by {@code deadlineOf}: the filter on every {@code WebClient}, as
         * the guide says (without it, Reactor's {@code concatMapIterable} can discard a body buffer
         * twice when a cancel races its {@code onNext}, and the second release takes a reference
         * that the connection's read buffer still needs).
         */
        WEBCLIENT_OVER_NETTY
    }

    private final String base;
    private final HttpClient netty;
    private final WebClient webClient;
    private final WebClient webClientOverNetty;

    /**
     * A server on a random loopback port that serves HTTP/1.1 and h2c (prior knowledge) on one
     * port, counting its TCP connections in {@code connectionsOpened} (the streams of an h2
     * connection are not channels initialized here); the caller adds its handler.
     */
    static HttpServer http11AndH2c(AtomicInteger connectionsOpened) {
        return RecordingAllocator.on(HttpServer.create())
                .host("127.0.0.1")
                .port(0)
                .protocol(HttpProtocol.HTTP11, HttpProtocol.H2C)
                .doOnChannelInit((observer, channel, remote) -> connectionsOpened.incrementAndGet());
    }

    /** The stacks over {@code client}, calling {@code http://127.0.0.1:port}. */
    ClientStacks(HttpClient client, int port) {
        this.base = "http://127.0.0.1:" + port;
        this.netty = GoContextHttpClient.propagation(LOOPBACK).apply(client);
        this.webClient = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(client))
                .filter(new GoContextExchangeFilter(LOOPBACK))
                .build();
        this.webClientOverNetty = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(netty))
                .filter(new GoContextExchangeFilter(LOOPBACK))
                .build();
    }

    /** A GET of {@code path} through {@code stack}, tagged {@code id}: the body, in chunks. */
    Flux<String> call(Stack stack, String path, String id) {
        String url = base + path;
        return switch (stack) {
            case NETTY ->
                GoContext.deadlineOf(nettyGet(url, id).responseContent().asString());
            case WEBCLIENT -> get(webClient, url, id).bodyToFlux(String.class);
            case WEBCLIENT_OVER_NETTY ->
                GoContext.deadlineOf(get(webClientOverNetty, url, id).bodyToFlux(String.class));
        };
    }

    /** A GET of {@code path} through {@code stack}, tagged {@code id}: the whole body, as one string. */
    Mono<String> body(Stack stack, String path, String id) {
        String url = base + path;
        return switch (stack) {
            case NETTY ->
                GoContext.deadlineOf(
                        nettyGet(url, id).responseContent().aggregate().asString());
            case WEBCLIENT -> get(webClient, url, id).bodyToMono(String.class);
            case WEBCLIENT_OVER_NETTY ->
                GoContext.deadlineOf(get(webClientOverNetty, url, id).bodyToMono(String.class));
        };
    }

    private HttpClient.ResponseReceiver<?> nettyGet(String url, String id) {
        return netty.headers(h -> h.set(CALL_ID, id)).get().uri(url);
    }

    private static WebClient.ResponseSpec get(WebClient client, String url, String id) {
        return client.get().uri(url).header(CALL_ID, id).retrieve();
    }
}
