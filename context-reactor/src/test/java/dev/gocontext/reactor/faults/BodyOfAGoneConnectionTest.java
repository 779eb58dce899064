package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A WebFlux handler's single-buffer body, accepted by Reactor Netty's server for writing, whose
 * connection goes before the write starts. Reactor Netty keeps such a body as a prepared response,
 * sent when the exchange completes; on a connection that has gone it is never sent, and must be
 * released all the same (no Netty {@code LEAK:} afterwards).
 */
class BodyOfAGoneConnectionTest {
    private static final int REQUESTS = 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final byte[] BODY = "handler body".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    private DisposableServer server;

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    /**
     * The connection goes (the client resets the stream, or the deadline's abort closes it) after
     * Reactor Netty accepted the write but before the write started, while Spring runs the commit
     * actions. Reactor Netty then keeps the body as a response it will never send: the body is
     * released all the same.
     */
    @Test
    void aBodyWhoseConnectionWentAsItsWriteStartedIsReleased() {
        server = TestServers.webflux(RequestContextFactory.withDefaults(), exchange -> {
            ServerHttpResponse response = exchange.getResponse();
            HttpServerResponse netty = ServerHttpResponseDecorator.getNativeResponse(response);
            response.beforeCommit(() -> Mono.fromRunnable(
                    () -> netty.withConnection(c -> c.channel().close())));
            return response.writeWith(
                    Mono.fromSupplier(() -> response.bufferFactory().wrap(BODY)));
        });
        List<String> seen = Flux.range(0, REQUESTS)
                .concatMap(i -> HttpClient.create()
                        .get()
                        .uri("http://127.0.0.1:" + server.port() + "/")
                        .responseSingle((r, body) -> body.asString()
                                .defaultIfEmpty("")
                                .map(text -> r.status().code() + " " + text))
                        .onErrorResume(e -> Mono.just("cut")))
                .collectList()
                .block(WAIT);
        assertThat(seen).containsOnly("cut");
    }
}
