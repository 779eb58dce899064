package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A handler's single-buffer body, accepted by Reactor Netty's server for writing, whose connection
 * goes before the write starts. Reactor Netty keeps such a body as a prepared response, sent when
 * the exchange completes; once the exchange's operations are disposed (the connection has gone, or
 * is closing) it is never sent, and must be released all the same (no Netty {@code LEAK:}
 * afterwards), by either server adapter.
 */
class BodyOfAGoneConnectionTest {
    private static final int REQUESTS = 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final byte[] BODY = "handler body".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    private DisposableServer server;

    private final ExecutorService writer = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        server.disposeNow();
        writer.shutdownNow();
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
        assertThat(requests()).containsOnly("cut");
    }

    /**
     * The exchange's operations are disposed on another thread (the stream was reset, or the
     * deadline's abort ran there) while the connection is still open: its close waits for the event
     * loop. Reactor Netty accepts the write, keeps the body and never sends it, and the connection
     * is still open when the write completes: the body is released all the same.
     */
    @Test
    void aWebFluxBodyKeptUnsentByDisposedOperationsIsReleased() {
        server = TestServers.webflux(RequestContextFactory.withDefaults(), exchange -> {
            ServerHttpResponse response = exchange.getResponse();
            HttpServerResponse netty = ServerHttpResponseDecorator.getNativeResponse(response);
            return afterDisposalWithTheLoopHeld(
                    netty,
                    () -> response.writeWith(
                            Mono.fromSupplier(() -> response.bufferFactory().wrap(BODY))));
        });
        assertThat(requests()).containsOnly("cut");
    }

    /** The same through {@code GoContextHttpServer}, the plain Reactor Netty adapter. */
    @Test
    void aNettyHandlersBodyKeptUnsentByDisposedOperationsIsReleased() {
        server = TestServers.netty(
                RequestContextFactory.withDefaults(),
                (request, response) -> afterDisposalWithTheLoopHeld(
                        response,
                        () -> response.send(Mono.fromSupplier(
                                        () -> response.alloc().buffer().writeBytes(BODY)))
                                .then()));
        assertThat(requests()).containsOnly("cut");
    }

    /**
     * Disposes the operations of {@code response}'s exchange, then writes with {@code write}, all on
     * the test's writer thread, while the connection's event loop is held: from before the disposal
     * until the writer's task is over, which includes everything that runs when the write ends. The
     * connection therefore stays open all along; its close waits behind the held loop.
     */
    private Mono<Void> afterDisposalWithTheLoopHeld(HttpServerResponse response, Supplier<Mono<Void>> write) {
        AtomicReference<Connection> operations = new AtomicReference<>();
        response.withConnection(operations::set);
        Connection exchange = operations.get();
        LoopHold hold = LoopHold.of(exchange.channel().eventLoop(), WAIT);
        return Mono.<Void>fromRunnable(() -> {
                    hold.awaitHeld();
                    exchange.dispose();
                })
                .then(Mono.defer(write))
                // queued behind the writer's current task: the loop is let go once it is over
                .doOnTerminate(() -> writer.execute(hold::release))
                .subscribeOn(Schedulers.fromExecutorService(writer));
    }

    private List<String> requests() {
        return Flux.range(0, REQUESTS)
                .concatMap(i -> HttpClient.create()
                        .get()
                        .uri("http://127.0.0.1:" + server.port() + "/")
                        .responseSingle((r, body) -> body.asString()
                                .defaultIfEmpty("")
                                .map(text -> r.status().code() + " " + text))
                        .onErrorResume(e -> Mono.just("cut")))
                .collectList()
                .block(WAIT);
    }
}
