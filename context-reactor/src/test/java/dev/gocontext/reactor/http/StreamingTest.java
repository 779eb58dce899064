package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.test.StepVerifier;

/**
 * Server-Sent Events and WebSockets on real servers, both adapters, with a default timeout of 300
 * ms: a stream gets no deadline and lives for many times that, while a plain request on the same
 * server still gets its 504; the stream's ctx is canceled when the client goes away. With {@code
 * streamingDeadline(true)} the same stream is cut at its deadline.
 */
class StreamingTest {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(300);
    private static final Duration TICK = Duration.ofMillis(100);
    /** 20 ticks of 100 ms: the stream outlives the default timeout six times over; a cut stream gets far fewer. */
    private static final int TICKS = 20;

    private static final Duration WAIT = Duration.ofSeconds(20);

    enum Adapter {
        NETTY,
        WEBFLUX
    }

    enum Kind {
        SSE,
        WEBSOCKET
    }

    /** The ctx of each path's last scope. */
    private final Map<String, Context> ctxs = new ConcurrentHashMap<>();
    /** The outcome of each path's last scope. */
    private final Map<String, RequestOutcome> outcomes = new ConcurrentHashMap<>();

    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    private RequestContextFactory requests(boolean streamingDeadline) {
        return RequestContextFactory.builder()
                .defaultTimeout(DEFAULT_TIMEOUT)
                .streamingDeadline(streamingDeadline)
                .listener(new RequestListener() {
                    @Override
                    public void opened(RequestScope scope) {
                        ctxs.put(scope.path(), scope.ctx());
                    }

                    @Override
                    public void ended(RequestScope scope, RequestOutcome outcome) {
                        outcomes.put(scope.path(), outcome);
                    }
                })
                .build();
    }

    /** The paths whose handler found its request ctx in its Reactor context. */
    private final java.util.Set<String> handlerSawItsCtx = ConcurrentHashMap.newKeySet();

    /**
     * Numbered ticks, as fast as the client takes them but no faster than one a {@link #TICK}, after
     * checking that the handler runs under the request ctx of {@code path}.
     */
    private Flux<Integer> ticks(String path) {
        return GoContext.current().flatMapMany(ctx -> {
            if (ctx == ctxs.get(path)) {
                handlerSawItsCtx.add(path);
            }
            return Flux.range(0, Integer.MAX_VALUE).delayElements(TICK);
        });
    }

    private void start(Adapter adapter, boolean streamingDeadline) {
        RequestContextFactory requests = requests(streamingDeadline);
        server = switch (adapter) {
            case NETTY -> TestServers.netty(requests, this::netty);
            case WEBFLUX -> TestServers.webflux(requests, this::webflux);
        };
    }

    private org.reactivestreams.Publisher<Void> netty(HttpServerRequest request, HttpServerResponse response) {
        return switch (request.fullPath()) {
            case "/sse" -> response.sse().sendString(ticks("/sse").map(i -> "data: " + i + "\n\n"));
            case "/ws" ->
                response.sendWebsocket((in, out) -> out.sendString(ticks("/ws").map(i -> "tick " + i)));
            default -> Mono.never();
        };
    }

    private final HandshakeWebSocketService webSockets = new HandshakeWebSocketService();

    private Mono<Void> webflux(ServerWebExchange exchange) {
        ServerHttpResponse response = exchange.getResponse();
        return switch (exchange.getRequest().getPath().value()) {
            case "/sse" -> {
                response.getHeaders().setContentType(MediaType.TEXT_EVENT_STREAM);
                yield response.writeAndFlushWith(ticks("/sse")
                        .map(i -> Mono.just(response.bufferFactory()
                                .wrap(("data: " + i + "\n\n").getBytes(StandardCharsets.UTF_8)))));
            }
            case "/ws" ->
                webSockets.handleRequest(
                        exchange, session -> session.send(ticks("/ws").map(i -> session.textMessage("tick " + i))));
            default -> Mono.never();
        };
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /**
     * Receives up to {@link #TICKS} events of the stream, then goes away; emits how many arrived. At
     * the last one, records whether the server's stream ctx was still live.
     */
    private Mono<Integer> receive(Kind kind, AtomicBoolean liveAtTheEnd) {
        String path = kind == Kind.SSE ? "/sse" : "/ws";
        Flux<String> messages = switch (kind) {
            case SSE ->
                HttpClient.create()
                        .headers(h -> h.set("Accept", "text/event-stream"))
                        .get()
                        .uri(url("/sse"))
                        .responseContent()
                        .asString()
                        .concatMapIterable(chunk -> java.util.Arrays.stream(chunk.split("\n\n"))
                                .filter(event -> event.startsWith("data: "))
                                .toList());
            case WEBSOCKET ->
                HttpClient.create()
                        .websocket()
                        .uri(url("/ws"))
                        .handle((in, out) -> in.receive().asString());
        };
        return messages.take(TICKS)
                .index()
                .doOnNext(i -> {
                    if (i.getT1() == TICKS - 1) {
                        liveAtTheEnd.set(ctxs.get(path).err() == null);
                    }
                })
                .count()
                .map(Long::intValue)
                .onErrorResume(e -> Mono.just(-1));
    }

    /** A plain request that never gets an answer from its handler: its status. */
    private Mono<Integer> slow() {
        return HttpClient.create()
                .get()
                .uri(url("/slow"))
                .responseSingle((response, body) -> Mono.just(response.status().code()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @EnumSource(Adapter.class)
    void anEventStreamOutlivesTheDefaultTimeoutAndEndsWhenTheClientGoes(Adapter adapter) {
        streamOutlivesTheDefaultTimeout(adapter, Kind.SSE);
        assertThat(ctxs.get("/sse").cause()).isInstanceOf(ClientDisconnectedException.class);
        assertThat(outcomes.get("/sse")).isEqualTo(RequestOutcome.CLIENT_DISCONNECTED);
    }

    @ParameterizedTest(name = "{0} {1}")
    @EnumSource(Adapter.class)
    void aWebSocketOutlivesTheDefaultTimeoutAndEndsWhenItCloses(Adapter adapter) {
        streamOutlivesTheDefaultTimeout(adapter, Kind.WEBSOCKET);
        assertThat(outcomes.get("/ws")).isEqualTo(RequestOutcome.COMPLETED);
    }

    private void streamOutlivesTheDefaultTimeout(Adapter adapter, Kind kind) {
        start(adapter, false);
        String path = kind == Kind.SSE ? "/sse" : "/ws";
        AtomicBoolean liveAtTheEnd = new AtomicBoolean();
        long started = System.nanoTime();
        StepVerifier.create(Mono.zip(receive(kind, liveAtTheEnd), slow()))
                .assertNext(results -> {
                    assertThat(results.getT1()).as("events received").isEqualTo(TICKS);
                    assertThat(results.getT2())
                            .as("the plain request, meanwhile")
                            .isEqualTo(504);
                })
                .expectComplete()
                .verify(WAIT);
        Duration streamed = Duration.ofNanos(System.nanoTime() - started);
        assertThat(streamed).isGreaterThan(DEFAULT_TIMEOUT.multipliedBy(3));
        assertThat(liveAtTheEnd)
                .as("the stream's ctx was live at its last event")
                .isTrue();
        assertThat(ctxs.get(path).deadline()).isEmpty();
        assertThat(handlerSawItsCtx)
                .as("GoContext.current() in the stream's handler")
                .contains(path);
        assertThat(ctxs.get("/slow").err()).isSameAs(Context.DEADLINE_EXCEEDED);
        // listeners hear of a request's end after its response has gone out: wait for them
        await().atMost(WAIT).until(() -> outcomes.containsKey("/slow"));
        assertThat(outcomes.get("/slow")).isEqualTo(RequestOutcome.DEADLINE_EXCEEDED);
        // the client went away: the stream's ctx ends with it
        await().atMost(WAIT).until(() -> ctxs.get(path).err() != null && outcomes.containsKey(path));
    }

    @ParameterizedTest(name = "{0} {1}")
    @EnumSource(Adapter.class)
    void withStreamingDeadlinesAnEventStreamIsCutAtItsDeadline(Adapter adapter) {
        streamIsCutAtItsDeadline(adapter, Kind.SSE);
    }

    @ParameterizedTest(name = "{0} {1}")
    @EnumSource(Adapter.class)
    void withStreamingDeadlinesAWebSocketIsClosedAtItsDeadline(Adapter adapter) {
        streamIsCutAtItsDeadline(adapter, Kind.WEBSOCKET);
    }

    private void streamIsCutAtItsDeadline(Adapter adapter, Kind kind) {
        start(adapter, true);
        String path = kind == Kind.SSE ? "/sse" : "/ws";
        StepVerifier.create(receive(kind, new AtomicBoolean()))
                .assertNext(received ->
                        assertThat(received).as("events before the cut").isLessThan(TICKS))
                .expectComplete()
                .verify(WAIT);
        await().atMost(WAIT).until(() -> outcomes.containsKey(path));
        assertThat(ctxs.get(path).err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(outcomes.get(path)).isEqualTo(RequestOutcome.DEADLINE_EXCEEDED);
    }
}
