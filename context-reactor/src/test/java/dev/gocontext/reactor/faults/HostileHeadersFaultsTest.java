package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.http.RequestScope;
import dev.gocontext.reactor.netty.GoContextHttpServer;
import dev.gocontext.reactor.web.GoContextWebFilter;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * Hostile request headers: a 1 MB {@code X-Request-ID} and 10,000 headers. With Reactor Netty's
 * default limits the server rejects them before any handler runs; with limits raised far enough to
 * let them in, the adapters replace the id (never echo nor keep it) and answer normally. Either way
 * nothing of those requests stays reachable afterwards (weak references to their scopes are
 * cleared), and the ctx count is back to its baseline.
 */
class HostileHeadersFaultsTest {
    private static final Duration CALL = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int ROUNDS = 10;
    private static final String HUGE_ID = "a".repeat(1024 * 1024);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    private final List<WeakReference<RequestScope>> scopes = new CopyOnWriteArrayList<>();
    private DisposableServer server;

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    private RequestContextFactory requests() {
        return RequestContextFactory.builder()
                .listener(new RequestListener() {
                    @Override
                    public void opened(RequestScope scope) {
                        scopes.add(new WeakReference<>(scope));
                    }
                })
                .build();
    }

    private void start(String adapter, boolean raisedLimits) {
        HttpServer http = HttpServer.create().host("127.0.0.1").port(0);
        if (raisedLimits) {
            http = http.httpRequestDecoder(spec -> spec.maxHeaderSize(4 * 1024 * 1024));
        }
        server = switch (adapter) {
            case "NETTY" ->
                http.handle(GoContextHttpServer.handler(
                                requests(),
                                (request, response) -> response.sendString(GoContext.current()
                                        .map(ctx -> "id="
                                                + GoContextHttp.requestId(ctx).length()))))
                        .bindNow();
            default -> {
                HttpHandler handler = WebHttpHandlerBuilder.webHandler(exchange -> exchange.getResponse()
                                .writeWith(GoContext.current()
                                        .map(ctx -> exchange.getResponse()
                                                .bufferFactory()
                                                .wrap(("id="
                                                                + GoContextHttp.requestId(ctx)
                                                                        .length())
                                                        .getBytes(StandardCharsets.UTF_8)))))
                        .filter(new GoContextWebFilter(requests()))
                        .codecConfigurer(ServerCodecConfigurer.create())
                        .build();
                yield http.handle(new ReactorHttpHandlerAdapter(handler)).bindNow();
            }
        };
    }

    record Reply(int status, String body, String echoedId) {}

    private Mono<Reply> send(boolean hugeId) {
        return HttpClient.create()
                .headers(h -> {
                    if (hugeId) {
                        h.set(GoContextHttp.REQUEST_ID, HUGE_ID);
                    } else {
                        for (int i = 0; i < 10_000; i++) {
                            h.add("X-Noise-" + i, "v");
                        }
                    }
                })
                .get()
                .uri("http://127.0.0.1:" + server.port() + "/")
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new Reply(
                                response.status().code(),
                                text,
                                String.valueOf(response.responseHeaders().get(GoContextHttp.REQUEST_ID)))))
                .timeout(CALL)
                .onErrorResume(e -> Mono.just(new Reply(-1, e.toString(), "")));
    }

    @ParameterizedTest(name = "{0}, raised limits {1}")
    @CsvSource({"NETTY, false", "NETTY, true", "WEBFLUX, false", "WEBFLUX, true"})
    void hostileHeadersAreRejectedOrTheIdReplacedAndNothingStays(String adapter, boolean raisedLimits) {
        start(adapter, raisedLimits);
        List<Reply> replies = Flux.range(0, ROUNDS)
                .concatMap(i -> send(i % 2 == 0))
                .collectList()
                .block(WAIT);
        assertThat(replies).hasSize(ROUNDS);
        for (Reply reply : replies) {
            if (raisedLimits) {
                assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
                assertThat(reply.body()).as("the id the handler saw").isEqualTo("id=32");
                assertThat(reply.echoedId()).matches("[0-9a-f]{32}");
            } else {
                assertThat(reply.status())
                        .as("rejected before any handler: %s", reply)
                        .isIn(400, 413, 431, -1);
                assertThat(reply.echoedId()).doesNotContain(HUGE_ID.substring(0, 200));
            }
        }
        if (!raisedLimits) {
            assertThat(scopes).as("no handler ran").isEmpty();
        }
        await("nothing of those requests stays reachable").atMost(WAIT).until(() -> {
            System.gc();
            return scopes.stream().allMatch(ref -> ref.get() == null);
        });
    }
}
