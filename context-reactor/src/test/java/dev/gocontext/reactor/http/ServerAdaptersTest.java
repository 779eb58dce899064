package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * The server side of the HTTP conventions, on real servers (loopback, port 0), for both adapters:
 * Reactor Netty's {@code GoContextHttpServer} and WebFlux's {@code GoContextWebFilter}.
 */
class ServerAdaptersTest {
    /** A bound for events that a loaded runner may make slow, never a margin a passing test waits out. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    enum Adapter {
        NETTY,
        WEBFLUX
    }

    /** What the handler saw of its request ctx. */
    private final AtomicReference<Context> seen = new AtomicReference<>();

    private final CountDownLatch handling = new CountDownLatch(1);
    private final AtomicLong workDisposedAt = new AtomicLong();
    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    /** The budget of the last request's scope, exactly as the factory derived it. */
    private final AtomicReference<Duration> budget = new AtomicReference<>();

    private RequestContextFactory requests() {
        return RequestContextFactory.builder()
                .maxTimeout(Duration.ofSeconds(30))
                .defaultTimeout(Duration.ofSeconds(20))
                .listener(new RequestListener() {
                    @Override
                    public void opened(RequestScope scope) {
                        budget.set(scope.timeout());
                    }
                })
                .build();
    }

    /** A server whose handler answers its ctx's remaining ms and request id, or never answers. */
    private void start(Adapter adapter, boolean answer) {
        Function<Context, Mono<String>> body = ctx -> {
            seen.set(ctx);
            handling.countDown();
            if (!answer) {
                return Mono.<String>never().doOnCancel(() -> workDisposedAt.set(System.nanoTime()));
            }
            long remaining = ctx.remaining().orElseThrow().toMillis();
            return Mono.just(remaining + " " + GoContextHttp.requestId(ctx));
        };
        server = switch (adapter) {
            case NETTY ->
                TestServers.netty(
                        requests(),
                        (request, response) -> response.sendString(
                                        GoContext.current().flatMap(body))
                                .then());
            case WEBFLUX ->
                TestServers.webflux(
                        requests(),
                        exchange -> exchange.getResponse()
                                .writeWith(GoContext.current()
                                        .flatMap(body)
                                        .map(s -> exchange.getResponse()
                                                .bufferFactory()
                                                .wrap(s.getBytes(StandardCharsets.UTF_8)))));
        };
    }

    private Reply get(Map<String, List<String>> headers) {
        return HttpClient.create()
                .headers(h -> headers.forEach(h::add))
                .get()
                .uri("http://127.0.0.1:" + server.port() + "/")
                .responseSingle((response, content) -> content.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Reply(
                                response.status().code(),
                                text,
                                response.responseHeaders().get(GoContextHttp.REQUEST_ID),
                                response.responseHeaders().get("Content-Type"))))
                .block(WAIT);
    }

    record Reply(int status, String body, String requestId, String contentType) {}

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void aSafeRequestIdIsEchoedAndPutInTheCtx(Adapter adapter) {
        start(adapter, true);
        Reply reply = get(Map.of(GoContextHttp.REQUEST_ID, List.of("order-42.retry_1")));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.requestId()).isEqualTo("order-42.retry_1");
        assertThat(reply.body()).endsWith(" order-42.retry_1");
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void aMissingRequestIdIsGenerated(Adapter adapter) {
        start(adapter, true);
        Reply reply = get(Map.of());
        assertThat(reply.requestId()).matches("[0-9a-f]{32}");
        assertThat(reply.body()).endsWith(" " + reply.requestId());
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void anUnsafeRequestIdIsReplaced(Adapter adapter) throws Exception {
        start(adapter, true);
        String tooLong = "a".repeat(129);
        for (String unsafe : List.of("has space", "<script>", "semi;colon", tooLong, "ünicode")) {
            Reply reply = get(Map.of(GoContextHttp.REQUEST_ID, List.of(unsafe)));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.requestId()).as(unsafe).isNotEqualTo(unsafe).matches("[0-9a-f]{32}");
            assertThat(reply.body()).doesNotContain(unsafe);
        }
        // a raw CR/LF-free but control-character id, sent on a raw socket
        try (Socket socket = TestServers.rawRequest(server, GoContextHttp.REQUEST_ID + ": a\tb\r\n")) {
            String response = TestServers.readSome(socket);
            assertThat(response).startsWith("HTTP/1.1 200").doesNotContain("a\tb");
        }
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void theTimeoutHeaderSetsTheDeadlineClampedToTheMaximum(Adapter adapter) {
        start(adapter, true);
        assertBudget(Map.of(GoContextHttp.REQUEST_TIMEOUT, List.of("7000")), Duration.ofMillis(7000));
        assertBudget(Map.of(GoContextHttp.REQUEST_TIMEOUT, List.of("99999999999999999999999")), Duration.ofSeconds(30));
        assertBudget(Map.of(), Duration.ofSeconds(20));
    }

    /** The request's ctx got exactly {@code expected}, and the handler saw at most that much left. */
    private void assertBudget(Map<String, List<String>> headers, Duration expected) {
        long remaining = Long.parseLong(get(headers).body().split(" ")[0]);
        assertThat(budget.get()).isEqualTo(expected);
        assertThat(remaining).isPositive().isLessThanOrEqualTo(expected.toMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "-5", "1.5", "12ms", "", "000", "+7"})
    void badTimeoutHeadersGet400WithAPlainMessage(String value) {
        for (Adapter adapter : Adapter.values()) {
            start(adapter, true);
            Reply reply = get(Map.of(GoContextHttp.REQUEST_TIMEOUT, List.of(value)));
            assertThat(reply.status()).as(adapter + " " + value).isEqualTo(400);
            assertThat(reply.contentType()).startsWith("text/plain");
            assertThat(reply.body()).isEqualTo("X-Request-Timeout must be a positive integer number of milliseconds\n");
            assertThat(seen.get()).as("the handler never ran").isNull();
            stop();
            server = null;
        }
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void a400EchoesTheRequestIdLikeEveryResponse(Adapter adapter) {
        start(adapter, true);
        Reply safe = get(Map.of(
                GoContextHttp.REQUEST_TIMEOUT, List.of("soon"), GoContextHttp.REQUEST_ID, List.of("bad-budget-1")));
        assertThat(safe.status()).isEqualTo(400);
        assertThat(safe.requestId()).isEqualTo("bad-budget-1");
        Reply unsafe = get(
                Map.of(GoContextHttp.REQUEST_TIMEOUT, List.of("soon"), GoContextHttp.REQUEST_ID, List.of("<script>")));
        assertThat(unsafe.status()).isEqualTo(400);
        assertThat(unsafe.requestId()).matches("[0-9a-f]{32}");
        Reply absent = get(Map.of(GoContextHttp.REQUEST_TIMEOUT, List.of("soon")));
        assertThat(absent.requestId()).matches("[0-9a-f]{32}");
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void aRepeatedTimeoutHeaderGets400(Adapter adapter) {
        start(adapter, true);
        Reply reply = get(Map.of(GoContextHttp.REQUEST_TIMEOUT, List.of("100", "200")));
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body()).isEqualTo("X-Request-Timeout must be given once\n");
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void aDeadlinePassingFirstGets504AndDisposesTheWork(Adapter adapter) {
        start(adapter, false);
        Reply reply = get(Map.of(GoContextHttp.REQUEST_TIMEOUT, List.of("100")));
        assertThat(reply.status()).isEqualTo(504);
        assertThat(reply.body()).isEqualTo("request deadline exceeded\n");
        assertThat(reply.requestId()).matches("[0-9a-f]{32}");
        assertThat(workDisposedAt.get()).isNotZero();
        await().atMost(WAIT).until(() -> seen.get().err() != null);
        assertThat(seen.get().err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void theCtxIsCanceledWhenTheExchangeCompletes(Adapter adapter) {
        start(adapter, true);
        get(Map.of());
        await().atMost(WAIT).until(() -> seen.get().err() != null);
        assertThat(seen.get().err()).isSameAs(Context.CANCELED);
        assertThat(seen.get().cause()).isSameAs(Context.CANCELED);
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void aClientThatDisconnectsCancelsTheCtxAndDisposesTheWork(Adapter adapter) throws Exception {
        start(adapter, false);
        // a budget of 10 s: what ends the request within the wait below is the disconnect, not the deadline
        try (Socket socket = TestServers.rawRequest(server, GoContextHttp.REQUEST_TIMEOUT + ": 10000\r\n")) {
            assertThat(handling.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
        await().atMost(WAIT).until(() -> seen.get().err() != null && workDisposedAt.get() != 0);
        assertThat(seen.get().cause()).isInstanceOf(ClientDisconnectedException.class);
    }
}
