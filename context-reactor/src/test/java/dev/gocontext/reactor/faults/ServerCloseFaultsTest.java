package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.ClientDisconnectedException;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.http.RequestOutcome;
import dev.gocontext.reactor.http.RequestScope;
import dev.gocontext.reactor.http.TestServers;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import io.netty.channel.ChannelOption;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.test.StepVerifier;

/**
 * Connections closed in the middle of an exchange. A server that closes before its response, after
 * its headers, or with a reset: the client call fails with that error (its ctx is live), and the
 * pool and the ctx are left clean. A client that goes away in the middle of a server's streamed
 * response: the server's request ctx is canceled as disconnected, on both server adapters.
 */
class ServerCloseFaultsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final OutboundPropagation LOOPBACK = OutboundPropagation.toHosts("127.0.0.1");

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    /** Closes the connection of {@code response}: gracefully, or with a reset (RST) when {@code reset}. */
    private static Mono<Void> close(HttpServerResponse response, boolean reset) {
        return Mono.create(sink -> response.withConnection(connection -> {
            if (reset) {
                connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            }
            connection.channel().close().addListener(closed -> sink.success());
        }));
    }

    private Mono<Void> closing(HttpServerRequest request, HttpServerResponse response) {
        return switch (request.fullPath()) {
            case "/before-headers" -> close(response, false);
            case "/reset" -> close(response, true);
            // headers and a first chunk, then the connection closes
            default ->
                response.sendString(Flux.just("first\n", "second\n")).then().then(close(response, false));
        };
    }

    enum Client {
        NETTY,
        WEBCLIENT
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "NETTY, /before-headers",
        "NETTY, /after-headers",
        "NETTY, /reset",
        "WEBCLIENT, /before-headers",
        "WEBCLIENT, /after-headers",
        "WEBCLIENT, /reset"
    })
    void aServerClosingMidExchangeFailsTheCallAndLeavesNothingBehind(Client client, String path) {
        server = TestServers.plain(this::closing);
        PoolProbe pool = check.watch(PoolProbe.of("server-close", 1, Duration.ofSeconds(5)));
        String url = "http://127.0.0.1:" + server.port() + path;
        Flux<String> call = switch (client) {
            case NETTY ->
                GoContext.deadlineOf(GoContextHttpClient.propagation(LOOPBACK)
                        .apply(HttpClient.create(pool.provider()))
                        .get()
                        .uri(url)
                        .responseContent()
                        .asString());
            case WEBCLIENT ->
                WebClient.builder()
                        .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool.provider())))
                        .filter(new GoContextExchangeFilter(LOOPBACK))
                        .build()
                        .get()
                        .uri(url)
                        .retrieve()
                        .bodyToFlux(String.class);
        };
        CancellableContext ctx = Context.background().withTimeout(Duration.ofMinutes(1));
        StepVerifier.create(call.contextWrite(GoContext.with(ctx)))
                .thenConsumeWhile(chunk -> true)
                .expectErrorSatisfies(e -> assertThat(e).isNotInstanceOf(dev.gocontext.ContextException.class))
                .verify(WAIT);
        assertThat(ctx.err()).as("the call's ctx is not the one that ended it").isNull();
        ctx.cancel();
    }

    enum Adapter {
        NETTY,
        WEBFLUX
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void aClientGoingAwayMidResponseCancelsTheServerCtx(Adapter adapter) throws Exception {
        Map<String, RequestOutcome> outcomes = new ConcurrentHashMap<>();
        Map<String, Context> ctxs = new ConcurrentHashMap<>();
        RequestContextFactory requests = RequestContextFactory.builder()
                .listener(new RequestListener() {
                    @Override
                    public void opened(RequestScope scope) {
                        ctxs.put(scope.requestId(), scope.ctx());
                    }

                    @Override
                    public void ended(RequestScope scope, RequestOutcome outcome) {
                        outcomes.put(scope.requestId(), outcome);
                    }
                })
                .build();
        Flux<String> endless =
                Flux.interval(Duration.ofMillis(5)).onBackpressureDrop().map(i -> "chunk " + i + "\n");
        server = switch (adapter) {
            case NETTY -> TestServers.netty(requests, (request, response) -> response.sendString(endless));
            case WEBFLUX ->
                TestServers.webflux(requests, exchange -> {
                    ServerHttpResponse response = exchange.getResponse();
                    response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
                    return response.writeAndFlushWith(endless.map(
                            s -> Mono.just(response.bufferFactory().wrap(s.getBytes(StandardCharsets.UTF_8)))));
                });
        };
        try (Socket socket = TestServers.rawRequest(server, "X-Request-ID: mid-1\r\n")) {
            InputStream in = socket.getInputStream();
            socket.setSoTimeout((int) WAIT.toMillis());
            byte[] some = in.readNBytes(64); // the response has started
            assertThat(new String(some, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
        }
        await().atMost(WAIT).until(() -> outcomes.containsKey("mid-1"));
        assertThat(outcomes.get("mid-1")).isEqualTo(RequestOutcome.CLIENT_DISCONNECTED);
        assertThat(ctxs.get("mid-1").cause()).isInstanceOf(ClientDisconnectedException.class);
    }
}
