package dev.gocontext.samples.web;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@code GET /chain?hops=K&ms=N}: does {@code N} ms of work, then calls itself with {@code hops=K-1}
 * through a {@code WebClient} with {@code GoContextExchangeFilter}, which sends the remaining
 * budget as {@code X-Request-Timeout} and the same {@code X-Request-ID}. The answer lists every
 * hop's remaining budget on arrival (strictly decreasing along the chain) and the shared request
 * id. When the budget runs out on the way: {@code 504}.
 *
 * <p>The hops go over HTTP/1.1 by default, h2c with {@code samples.chain.protocol=h2c} ({@link
 * ChainProtocol}), through a connection pool of their own, {@value #POOL_NAME}, whose metrics are
 * in {@code /actuator/prometheus} ({@code reactor_netty_connection_provider_*}).
 */
@RestController
class ChainController implements DisposableBean {
    /** The name of the hops' connection pool, as its metrics carry it. */
    static final String POOL_NAME = "samples-chain";
    /** The pool's connections per remote address: Reactor Netty's default for {@code HttpClient.create()}. */
    static final int POOL_MAX_CONNECTIONS = 500;

    static final long DEFAULT_HOPS = 3;
    static final long MAX_HOPS = 10;
    static final long DEFAULT_MS = 10;
    static final long MAX_MS = 60_000;

    /**
     * One hop: its place in the chain, the request id it saw, its budget when the request arrived,
     * and the protocol the request came over ({@code HTTP/1.1} or {@code HTTP/2.0}).
     */
    record Hop(
            int hop,
            String requestId,
            @Nullable Long remainingMs,
            @Nullable String protocol) {}

    /** The answer of {@code /chain}: the hops, this one first. */
    record ChainResult(String requestId, List<Hop> hops) {}

    private final WebClient self;
    private final ConnectionProvider pool;
    private final Environment environment;

    ChainController(Environment environment) {
        this.environment = environment;
        ChainProtocol protocol = ChainProtocol.of(
                environment.getProperty(ChainProtocol.PROPERTY, ChainProtocol.DEFAULT.propertyValue()));
        // As large as Reactor Netty's default pool (a named pool would otherwise get 16 connections
        // and 32 waiting calls, and a burst of hops would fail on a full queue instead of waiting).
        this.pool = ConnectionProvider.builder(POOL_NAME)
                .maxConnections(POOL_MAX_CONNECTIONS)
                .pendingAcquireMaxCount(-1) // calls wait their turn; their own deadline ends the wait
                .metrics(true)
                .build();
        // Propagation only to this machine: a request's budget and id never leak to other hosts.
        // The filter on the WebClient, not only below its connector: it runs a canceled hop's cancel
        // on the connection's event loop, where it cannot race with the response being handed on.
        HttpClient httpClient = HttpClient.create(pool).protocol(protocol.netty());
        this.self = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(httpClient))
                .filter(new GoContextExchangeFilter(OutboundPropagation.toHosts("127.0.0.1", "localhost")))
                .build();
    }

    @Override
    public void destroy() {
        pool.dispose();
    }

    @GetMapping(path = "/chain", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ChainResult> chain(
            @RequestParam(name = "hops", required = false) @Nullable String hops,
            @RequestParam(name = "ms", required = false) @Nullable String ms,
            ServerHttpRequest request) {
        int remainingHops = (int) Params.parse("hops", hops, DEFAULT_HOPS, MAX_HOPS);
        long workMs = Params.parse("ms", ms, DEFAULT_MS, MAX_MS);
        return GoContext.current().flatMap(ctx -> {
            Hop here = new Hop(0, WorkController.requestId(ctx), WorkController.remainingMs(ctx), protocolOf(request));
            Mono<List<Hop>> downstream = remainingHops == 0 ? Mono.just(List.of()) : next(remainingHops - 1, workMs);
            return GoContext.deadlineOf(
                            CooperativeWork.of(Duration.ofMillis(workMs)).then(downstream))
                    .map(rest -> new ChainResult(here.requestId(), prepend(here, rest)));
        });
    }

    /** The rest of the chain, one hop further: the next service's answer, renumbered. */
    private Mono<List<Hop>> next(int hops, long workMs) {
        return self.get()
                .uri("http://127.0.0.1:{port}/chain?hops={hops}&ms={ms}", port(), hops, workMs)
                .retrieve()
                .onStatus(
                        status -> status.value() == HttpStatus.GATEWAY_TIMEOUT.value(),
                        response -> Mono.error(new ResponseStatusException(
                                HttpStatus.GATEWAY_TIMEOUT, "the next hop ran out of budget")))
                .onStatus(
                        status -> !status.is2xxSuccessful(),
                        response -> Mono.error(new ResponseStatusException(
                                HttpStatus.BAD_GATEWAY,
                                "the next hop answered " + response.statusCode().value())))
                .bodyToMono(ChainResult.class)
                .map(ChainResult::hops);
    }

    private static List<Hop> prepend(Hop here, List<Hop> rest) {
        List<Hop> hops = new ArrayList<>(rest.size() + 1);
        hops.add(here);
        for (Hop hop : rest) {
            hops.add(new Hop(hop.hop() + 1, hop.requestId(), hop.remainingMs(), hop.protocol()));
        }
        return hops;
    }

    /** The protocol of the request as Reactor Netty read it; null on another server. */
    private static @Nullable String protocolOf(ServerHttpRequest request) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        return nativeRequest instanceof HttpServerRequest netty ? netty.protocol() : null;
    }

    private int port() {
        Integer port = environment.getProperty("local.server.port", Integer.class);
        if (port == null) {
            throw new IllegalStateException("the web server has not started");
        }
        return port;
    }
}
