package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.TestServers;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Under load, a handler's response races the deadline's 504, and handler code still running once
 * the 504 has the response writes to it from another thread: a status, a header (also through the
 * header map), a cookie, a body. Every response the client gets is the handler's, exactly, or the
 * 504, exactly, or a connection cut (the deadline passed during the handler's body); the late code
 * never shows in, and never fails on, a 504; the server logs nothing above DEBUG. Both server adapters; seeded ({@code
 * -Dgocontext.seed=} replays a run).
 */
class LateWriteFaultsTest {
    private static final int REQUESTS = 1_000;
    private static final int IN_FLIGHT = 32;
    private static final int BUDGET_MS = 50;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    enum Adapter {
        NETTY,
        WEBFLUX
    }

    /** What late code got when it touched a response, by request id. */
    private final Map<String, List<Throwable>> lateFailures = new ConcurrentHashMap<>();

    private DisposableServer server;

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    /**
     * Once the deadline has claimed the response (its status reads 504), on another thread: what a
     * handler still running might do. Looks every millisecond, a hundred times at most (the handler
     * may have won the race instead).
     */
    private static void whenThe504HasTheResponse(Context ctx, BooleanSupplier is504, Runnable late) {
        ctx.afterDone(
                () -> {
                    if (ctx.err() == Context.DEADLINE_EXCEEDED) {
                        Mono.fromSupplier(is504::getAsBoolean)
                                .filter(yes -> yes)
                                .repeatWhenEmpty(100, ticks -> ticks.delayElements(Duration.ofMillis(1)))
                                .subscribe(yes -> late.run(), handlerWon -> {});
                    }
                },
                Runnable::run);
    }

    private void recordFailure(Context ctx, Throwable e) {
        lateFailures
                .computeIfAbsent(GoContextHttp.requestId(ctx), id -> new CopyOnWriteArrayList<>())
                .add(e);
    }

    private static Duration delayOf(String query) {
        return Duration.ofMillis(Long.parseLong(query.substring(query.indexOf('=') + 1)));
    }

    private Mono<Void> netty(HttpServerRequest request, HttpServerResponse response) {
        Duration delay = delayOf(request.uri());
        return GoContext.current().flatMap(ctx -> {
            whenThe504HasTheResponse(ctx, () -> response.status().code() == 504, () -> {
                try {
                    response.status(201).header("X-Late", "1").addCookie(new DefaultCookie("late", "1"));
                    response.responseHeaders().set("X-Late-Map", "1");
                    response.sendString(Mono.just("late body")).then().subscribe(null, e -> recordFailure(ctx, e));
                } catch (RuntimeException e) {
                    recordFailure(ctx, e);
                }
            });
            return response.status(200)
                    .header("X-Handler", "1")
                    .sendString(Mono.delay(delay).thenReturn("handler body"))
                    .then();
        });
    }

    private Mono<Void> webflux(ServerWebExchange exchange) {
        Duration delay = delayOf(String.valueOf(exchange.getRequest().getURI().getQuery()));
        ServerHttpResponse response = exchange.getResponse();
        return GoContext.current().flatMap(ctx -> {
            whenThe504HasTheResponse(ctx, () -> response.getStatusCode() == HttpStatus.GATEWAY_TIMEOUT, () -> {
                try {
                    response.setStatusCode(HttpStatus.CREATED);
                    response.getHeaders().set("X-Late", "1");
                    response.addCookie(ResponseCookie.from("late", "1").build());
                    response.writeWith(Mono.fromSupplier(
                                    () -> response.bufferFactory().wrap("late body".getBytes(StandardCharsets.UTF_8))))
                            .subscribe(null, e -> recordFailure(ctx, e));
                } catch (RuntimeException e) {
                    recordFailure(ctx, e);
                }
            });
            response.getHeaders().set("X-Handler", "1");
            return response.writeWith(Mono.delay(delay)
                    .map(tick -> response.bufferFactory().wrap("handler body".getBytes(StandardCharsets.UTF_8))));
        });
    }

    /** What the client saw of one request. */
    record Seen(String id, int status, String body, String lateHeaders, String cookies, String contentType) {
        static Seen cut(String id) {
            return new Seen(id, -1, "", "", "", "");
        }
    }

    private Mono<Seen> request(int n, long delayMs) {
        String id = "late-" + n;
        return HttpClient.create()
                .headers(h -> h.set(GoContextHttp.REQUEST_TIMEOUT, Integer.toString(BUDGET_MS))
                        .set(GoContextHttp.REQUEST_ID, id))
                .get()
                .uri("http://127.0.0.1:" + server.port() + "/?delay=" + delayMs)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Seen(
                                id,
                                response.status().code(),
                                text,
                                String.valueOf(response.responseHeaders().get("X-Late"))
                                        + String.valueOf(
                                                response.responseHeaders().get("X-Late-Map")),
                                String.valueOf(response.responseHeaders().getAll("Set-Cookie")),
                                String.valueOf(response.responseHeaders().get("Content-Type")))))
                .onErrorResume(e -> Mono.just(Seen.cut(id)));
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void lateHandlerCodeNeverReachesThe504(Adapter adapter) {
        RequestContextFactory requests = RequestContextFactory.withDefaults();
        server = switch (adapter) {
            case NETTY -> TestServers.netty(requests, this::netty);
            case WEBFLUX -> TestServers.webflux(requests, this::webflux);
        };
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        Random random = new Random(seed);
        long[] delays = new long[REQUESTS];
        for (int i = 0; i < REQUESTS; i++) {
            delays[i] = random.nextInt(2 * BUDGET_MS + 1); // around the deadline, both sides
        }
        List<Seen> seen;
        try (LogCapture capture = LogCapture.begin()) {
            seen = Flux.range(0, REQUESTS)
                    .flatMap(i -> request(i, delays[i]), IN_FLIGHT)
                    .collectList()
                    .block(WAIT);
            // the test's own client may log the connections cut under it: those are not the server's
            assertThat(capture.eventsExcept("reactor.netty.http.client."))
                    .as("seed %d: the server logged above DEBUG", seed)
                    .isEmpty();
            assertThat(capture.dropped()).as("seed %d: dropped errors", seed).isEmpty();
        }

        assertThat(seen).hasSize(REQUESTS);
        long handlers = 0;
        long timeouts = 0;
        for (Seen s : seen) {
            switch (s.status()) {
                case 200 -> {
                    assertThat(s.body()).as("seed %d: %s", seed, s).isEqualTo("handler body");
                    handlers++;
                }
                case 504 -> {
                    assertThat(s.body()).as("seed %d: %s", seed, s).isEqualTo("request deadline exceeded\n");
                    assertThat(s.contentType()).as("seed %d: %s", seed, s).startsWith("text/plain");
                    assertThat(s.lateHeaders()).as("seed %d: %s", seed, s).isEqualTo("nullnull");
                    assertThat(s.cookies()).as("seed %d: %s", seed, s).doesNotContain("late");
                    assertThat(lateFailures.get(s.id()))
                            .as("seed %d: late code failed on the 504 of %s", seed, s.id())
                            .isNull();
                    timeouts++;
                }
                case -1 -> {} // the deadline passed during the handler's body: the connection was cut
                default -> throw new AssertionError("seed " + seed + ": " + s);
            }
        }
        assertThat(handlers).as("seed %d: handler responses", seed).isPositive();
        assertThat(timeouts).as("seed %d: 504s", seed).isPositive();
    }
}
