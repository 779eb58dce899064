package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * Three real servers call each other: Netty (hop 1) → WebFlux (hop 2) → Netty (hop 3). The budget
 * shrinks at each hop, the request id travels, and a client that goes away cancels the whole chain.
 */
class ChainTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final OutboundPropagation LOOPBACK = OutboundPropagation.toHosts("127.0.0.1");

    private final List<DisposableServer> servers = new ArrayList<>();
    private final AtomicReference<Context> hop2Ctx = new AtomicReference<>();
    private final AtomicReference<Context> hop3Ctx = new AtomicReference<>();

    @AfterEach
    void stop() {
        servers.forEach(DisposableServer::disposeNow);
    }

    private static RequestContextFactory requests() {
        return RequestContextFactory.builder()
                .maxTimeout(Duration.ofSeconds(60))
                .build();
    }

    private static long remainingMillis(Context ctx) {
        return ctx.remaining().orElseThrow().toMillis();
    }

    /** Starts hop 3, 2, 1; returns hop 1. With {@code hang}, hop 3 never answers. */
    private DisposableServer chain(boolean hang) {
        DisposableServer hop3 = TestServers.netty(
                requests(),
                (request, response) -> response.sendString(GoContext.current().flatMap(ctx -> {
                            hop3Ctx.set(ctx);
                            Mono<String> answer = Mono.just(remainingMillis(ctx) + " " + GoContextHttp.requestId(ctx));
                            return hang ? Mono.<String>never() : answer;
                        }))
                        .then());
        servers.add(hop3);

        WebClient toHop3 = WebClient.builder()
                .baseUrl("http://127.0.0.1:" + hop3.port())
                .filter(new GoContextExchangeFilter(LOOPBACK))
                .build();
        DisposableServer hop2 = TestServers.webflux(
                requests(),
                exchange -> exchange.getResponse()
                        .writeWith(GoContext.current()
                                .flatMap(ctx -> {
                                    hop2Ctx.set(ctx);
                                    long mine = remainingMillis(ctx);
                                    return Mono.delay(Duration.ofMillis(30))
                                            .then(toHop3.get().retrieve().bodyToMono(String.class))
                                            .map(downstream -> mine + "," + downstream);
                                })
                                .map(s -> exchange.getResponse()
                                        .bufferFactory()
                                        .wrap(s.getBytes(StandardCharsets.UTF_8)))));
        servers.add(hop2);

        HttpClient toHop2 = GoContextHttpClient.propagation(LOOPBACK).apply(HttpClient.create());
        DisposableServer hop1 = TestServers.netty(
                requests(),
                (request, response) -> response.sendString(GoContext.current().flatMap(ctx -> {
                            long mine = remainingMillis(ctx);
                            return Mono.delay(Duration.ofMillis(30))
                                    .then(GoContext.deadlineOf(toHop2.get()
                                            .uri("http://127.0.0.1:" + hop2.port() + "/")
                                            .responseContent()
                                            .aggregate()
                                            .asString()))
                                    .map(downstream -> mine + "," + downstream);
                        }))
                        .then());
        servers.add(hop1);
        return hop1;
    }

    @Test
    void eachHopSeesASmallerBudgetAndTheSameRequestId() {
        DisposableServer hop1 = chain(false);
        String body = HttpClient.create()
                // a budget that three cold hops on a loaded machine cannot spend: the test is about its shrinking
                .headers(h -> h.add(GoContextHttp.REQUEST_TIMEOUT, "30000").add(GoContextHttp.REQUEST_ID, "chain-1"))
                .get()
                .uri("http://127.0.0.1:" + hop1.port() + "/")
                .responseContent()
                .aggregate()
                .asString()
                .block(WAIT);
        // "r1,r2,r3 chain-1"
        String[] parts = body.split("[, ]");
        long r1 = Long.parseLong(parts[0]);
        long r2 = Long.parseLong(parts[1]);
        long r3 = Long.parseLong(parts[2]);
        assertThat(r1).isLessThanOrEqualTo(30_000);
        assertThat(r2).as(body).isLessThan(r1);
        assertThat(r3).as(body).isLessThan(r2);
        assertThat(r1 - r2).as("hop 1 waited 30 ms before calling").isGreaterThanOrEqualTo(30);
        assertThat(parts[3]).isEqualTo("chain-1");
    }

    @Test
    void aClientThatGoesAwayCancelsEveryHop() throws Exception {
        DisposableServer hop1 = chain(true);
        try (Socket socket = TestServers.rawRequest(hop1, GoContextHttp.REQUEST_TIMEOUT + ": 5000\r\n")) {
            await().atMost(WAIT).until(() -> hop3Ctx.get() != null);
        }
        await().atMost(WAIT)
                .until(() -> hop3Ctx.get().err() != null && hop2Ctx.get().err() != null);
        assertThat(hop2Ctx.get().cause()).isInstanceOf(ClientDisconnectedException.class);
        assertThat(hop3Ctx.get().cause()).isInstanceOf(ClientDisconnectedException.class);
    }
}
