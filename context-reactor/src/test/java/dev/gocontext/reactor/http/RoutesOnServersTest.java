package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.web.GoContextWebFilter;
import dev.gocontext.reactor.web.RequestErrorResponder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * Route policies, configured header names and {@code grpc-timeout} on real servers, for both
 * adapters; the WebFlux filter's scope attribute, error responder and order.
 */
class RoutesOnServersTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    enum Adapter {
        NETTY,
        WEBFLUX
    }

    private final Map<String, RequestOutcome> outcomes = new ConcurrentHashMap<>();
    /** The budget of each "METHOD path"'s last scope, exactly as the factory derived it; ZERO without a deadline. */
    private final Map<String, Duration> budgets = new ConcurrentHashMap<>();

    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    private RequestContextFactory.Builder requests() {
        return RequestContextFactory.builder()
                .maxTimeout(Duration.ofSeconds(60))
                .defaultTimeout(Duration.ofSeconds(30))
                .listener(new RequestListener() {
                    @Override
                    public void opened(RequestScope scope) {
                        budgets.put(scope.method() + " " + scope.path(), scope.timeout());
                    }

                    @Override
                    public void ended(RequestScope scope, RequestOutcome outcome) {
                        outcomes.put(scope.method() + " " + scope.path(), outcome);
                    }
                });
    }

    /** What the handler answers: its ctx's remaining milliseconds, or "none", and its request id. */
    private static String describe(Context ctx) {
        String remaining = ctx.remaining().map(r -> Long.toString(r.toMillis())).orElse("none");
        return remaining + " " + GoContextHttp.requestId(ctx);
    }

    private void start(Adapter adapter, RequestContextFactory requests) {
        server = switch (adapter) {
            case NETTY ->
                TestServers.netty(
                        requests,
                        (request, response) ->
                                response.sendString(GoContext.current().map(RoutesOnServersTest::describe)));
            case WEBFLUX ->
                TestServers.webflux(requests, exchange -> {
                    ServerHttpResponse response = exchange.getResponse();
                    return response.writeWith(GoContext.current()
                            .map(ctx ->
                                    response.bufferFactory().wrap(describe(ctx).getBytes(StandardCharsets.UTF_8))));
                });
        };
    }

    record Reply(int status, String body, Map<String, String> headers) {
        long remaining() {
            return Long.parseLong(body.split(" ")[0]);
        }
    }

    private Reply send(String method, String path, Map<String, String> headers) {
        return HttpClient.create()
                .headers(h -> headers.forEach(h::add))
                .request(io.netty.handler.codec.http.HttpMethod.valueOf(method))
                .uri("http://127.0.0.1:" + server.port() + path)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> {
                            Map<String, String> received = new java.util.HashMap<>();
                            response.responseHeaders()
                                    .forEach(e -> received.put(e.getKey().toLowerCase(), e.getValue()));
                            return new Reply(response.status().code(), text, received);
                        }))
                .block(WAIT);
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void routesApplyByMethodAndPath(Adapter adapter) {
        start(
                adapter,
                requests()
                        .route(RoutePolicy.path("/events/**").noDeadline().build())
                        .route(RoutePolicy.path("/reports/*")
                                .methods("GET")
                                .defaultTimeout(Duration.ofSeconds(15))
                                .build())
                        .build());
        assertThat(send("GET", "/events/orders?since=5", Map.of()).body()).startsWith("none ");
        assertThat(budgets).containsEntry("GET /events/orders", Duration.ZERO);
        assertThat(send("GET", "/reports/2024?format=csv", Map.of()).remaining())
                .isBetween(1L, 15_000L);
        assertThat(budgets).containsEntry("GET /reports/2024", Duration.ofSeconds(15));
        send("POST", "/reports/2024", Map.of());
        assertThat(budgets)
                .as("GET only: the factory's default")
                .containsEntry("POST /reports/2024", Duration.ofSeconds(30));
        send("GET", "/other", Map.of());
        assertThat(budgets).containsEntry("GET /other", Duration.ofSeconds(30));
        // listeners hear of a request's end after its response has gone out: wait for them
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(outcomes)
                        .containsEntry("GET /events/orders", RequestOutcome.COMPLETED)
                        .containsEntry("GET /reports/2024", RequestOutcome.COMPLETED)
                        .containsEntry("POST /reports/2024", RequestOutcome.COMPLETED));
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void headerNamesCanBeConfigured(Adapter adapter) {
        start(
                adapter,
                requests()
                        .timeoutHeader("X-Budget-Ms")
                        .requestIdHeader("X-Correlation-ID")
                        .build());
        Reply reply = send(
                "GET",
                "/",
                Map.of(
                        "X-Budget-Ms",
                        "15000",
                        "X-Correlation-ID",
                        "corr-7",
                        "X-Request-Timeout",
                        "5",
                        "X-Request-ID",
                        "other"));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(budgets).containsEntry("GET /", Duration.ofSeconds(15));
        assertThat(reply.remaining()).isBetween(1L, 15_000L);
        assertThat(reply.body()).endsWith(" corr-7");
        assertThat(reply.headers()).containsEntry("x-correlation-id", "corr-7").doesNotContainKey("x-request-id");

        Reply bad = send("GET", "/", Map.of("X-Budget-Ms", "soon"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("X-Budget-Ms must be a positive integer number of milliseconds\n");
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void theBudgetMayComeAsGrpcTimeout(Adapter adapter) {
        start(adapter, requests().grpcTimeout(true).build());
        assertThat(send("POST", "/", Map.of("grpc-timeout", "20S")).remaining()).isBetween(1L, 20_000L);
        assertThat(budgets).containsEntry("POST /", Duration.ofSeconds(20));
        send("POST", "/", Map.of("grpc-timeout", "100000m"));
        assertThat(budgets).as("clamped to the maximum").containsEntry("POST /", Duration.ofSeconds(60));
        Reply bad = send("POST", "/", Map.of("grpc-timeout", "2 seconds"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).startsWith("grpc-timeout must be");
    }

    @Test
    void theWebFilterPutsTheScopeInTheExchangeAndAnswersThroughItsResponder() {
        Map<String, Object> seen = new ConcurrentHashMap<>();
        RequestErrorResponder json = (exchange, status, message, requestId) -> {
            RequestScope scope = exchange.getAttribute(GoContextWebFilter.SCOPE_ATTRIBUTE);
            seen.put(
                    status.value() + " scope",
                    scope == null ? "none" : scope.outcome().isEmpty());
            ServerHttpResponse response = exchange.getResponse();
            response.setStatusCode(status);
            response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
            byte[] body = ("{\"status\":" + status.value() + ",\"message\":\"" + message + "\",\"requestId\":\""
                            + requestId + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            return response.writeWith(
                    Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
        };
        GoContextWebFilter filter = new GoContextWebFilter(
                requests()
                        .route(RoutePolicy.path("/hang")
                                .defaultTimeout(Duration.ofMillis(200))
                                .build())
                        .build(),
                json,
                Ordered.HIGHEST_PRECEDENCE + 10);
        assertThat(filter.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE + 10);
        assertThat(new GoContextWebFilter().getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
        server = TestServers.webflux(filter, exchange -> {
            RequestScope scope = exchange.getAttribute(GoContextWebFilter.SCOPE_ATTRIBUTE);
            return GoContext.current().flatMap(ctx -> {
                seen.put("handler", scope != null && scope.ctx() == ctx);
                return exchange.getRequest().getPath().value().equals("/hang")
                        ? Mono.never()
                        : exchange.getResponse().setComplete();
            });
        });

        assertThat(send("GET", "/", Map.of()).status()).isEqualTo(200);
        assertThat(seen).containsEntry("handler", true);

        Reply timedOut = send("GET", "/hang", Map.of("X-Request-ID", "hang-1"));
        assertThat(timedOut.status()).isEqualTo(504);
        assertThat(timedOut.headers()).containsEntry("content-type", "application/json");
        assertThat(timedOut.body())
                .isEqualTo("{\"status\":504,\"message\":\"request deadline exceeded\",\"requestId\":\"hang-1\"}");
        assertThat(seen).as("the scope is there for the 504, still in flight").containsEntry("504 scope", true);

        Reply bad = send("GET", "/", Map.of("X-Request-Timeout", "-1", "X-Request-ID", "bad-1"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body())
                .isEqualTo(
                        "{\"status\":400,\"message\":\"X-Request-Timeout must be a positive integer number of milliseconds\",\"requestId\":\"bad-1\"}");
        assertThat(seen).as("no scope for a 400").containsEntry("400 scope", "none");
    }

    @Test
    void theWebFilterChecksItsArguments() {
        RequestContextFactory requests = RequestContextFactory.withDefaults();
        Function<Runnable, Throwable> thrown = r -> org.assertj.core.api.Assertions.catchThrowable(r::run);
        assertThat(thrown.apply(() -> new GoContextWebFilter(null, RequestErrorResponder.plainText())))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("requests");
        assertThat(thrown.apply(() -> new GoContextWebFilter(requests, null)))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("responder");
        assertThat(List.of(new GoContextWebFilter(requests).toString()))
                .allMatch(s -> s.startsWith("GoContextWebFilter["));
    }
}
