package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * {@code GoContext.withTimeout} on real servers: a request with a 5 s budget makes a downstream call
 * with its own 300 ms budget. The call carries the narrower budget in {@code X-Request-Timeout}
 * (through Reactor Netty's client and through WebClient), the request keeps its own, and a
 * downstream that does not answer in time is given up after the call's budget, not the request's.
 */
class WithTimeoutPropagationTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration CALL_BUDGET = Duration.ofMillis(300);
    private static final OutboundPropagation LOOPBACK = OutboundPropagation.toHosts("127.0.0.1");

    private final List<DisposableServer> servers = new ArrayList<>();

    /** The X-Request-Timeout values the downstream received, in order. */
    private final Queue<String> received = new ConcurrentLinkedQueue<>();

    // built here, on the test thread, not lazily on an event loop (where WebClient reads a file)
    private final HttpClient nettyClient =
            GoContextHttpClient.propagation(LOOPBACK).apply(HttpClient.create());
    private final WebClient webClient =
            WebClient.builder().filter(new GoContextExchangeFilter(LOOPBACK)).build();

    @AfterEach
    void stop() {
        servers.forEach(DisposableServer::disposeNow);
    }

    /** Records the X-Request-Timeout it receives and answers "ok"; or never, when {@code hang}. */
    private String downstream(boolean hang) {
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> {
                    received.add(String.valueOf(request.requestHeaders().get(GoContextHttp.REQUEST_TIMEOUT)));
                    return response.sendString(hang ? Mono.never() : Mono.just("ok"));
                })
                .bindNow();
        servers.add(server);
        return "http://127.0.0.1:" + server.port() + "/";
    }

    /**
     * The front service: under its request ctx, calls downstream inside {@code withTimeout} and
     * answers "{its own remaining ms} {the downstream's answer}", or "gave up: {error}; request
     * live: {whether its own ctx was still live then}".
     */
    private DisposableServer front(Function<String, Mono<String>> call, String downstreamUrl) {
        DisposableServer server = TestServers.netty(
                RequestContextFactory.builder()
                        .maxTimeout(Duration.ofSeconds(10))
                        .build(),
                (request, response) -> response.sendString(GoContext.current()
                                .flatMap(ctx -> GoContext.withTimeout(call.apply(downstreamUrl), CALL_BUDGET)
                                        .map(answer ->
                                                ctx.remaining().orElseThrow().toMillis() + " " + answer)
                                        .onErrorResume(e -> Mono.just("gave up: " + e.getMessage() + "; request live: "
                                                + (ctx.err() == null)))))
                        .then());
        servers.add(server);
        return server;
    }

    private Mono<String> nettyCall(String url) {
        return GoContext.deadlineOf(
                nettyClient.get().uri(url).responseContent().aggregate().asString());
    }

    private Mono<String> webClientCall(String url) {
        return webClient.get().uri(url).retrieve().bodyToMono(String.class);
    }

    /** The front's answer: "{status} {body}". */
    private static String callWithAFiveSecondBudget(DisposableServer front) {
        return HttpClient.create()
                .headers(h -> h.add(GoContextHttp.REQUEST_TIMEOUT, "5000"))
                .get()
                .uri("http://127.0.0.1:" + front.port() + "/")
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> response.status().code() + " " + text))
                .block(WAIT);
    }

    /**
     * Calls the front until one call reached the downstream (on a machine too loaded to send within
     * the call's 300 ms, the call gives up before sending, which proves nothing), then checks what
     * was sent.
     */
    private void assertTheCallsBudgetIsSent(Function<String, Mono<String>> call) {
        String downstream = downstream(false);
        call.apply(downstream).block(WAIT); // warm-up, with no budget: classes, codecs, connections
        DisposableServer front = front(call, downstream);
        callWithAFiveSecondBudget(front); // and through the front
        for (int round = 1; ; round++) {
            received.clear();
            String answer = callWithAFiveSecondBudget(front);
            String sent = received.poll();
            if (sent == null) {
                assertThat(round)
                        .as("rounds that gave up before sending: " + answer)
                        .isLessThan(5);
                continue;
            }
            assertThat(Long.parseLong(sent))
                    .as("X-Request-Timeout of the call, under a 5000 ms request")
                    .isPositive()
                    .isLessThanOrEqualTo(CALL_BUDGET.toMillis());
            if (!answer.startsWith("200 gave up")) {
                assertThat(answer).as("200 {front's remaining ms} ok").matches("200 \\d+ ok");
                assertThat(Long.parseLong(answer.split(" ")[1]))
                        .as("the request keeps its own budget: " + answer)
                        .isGreaterThan(CALL_BUDGET.toMillis());
            }
            return;
        }
    }

    @Test
    void reactorNettysClientSendsTheCallsBudget() {
        assertTheCallsBudgetIsSent(this::nettyCall);
    }

    @Test
    void webClientSendsTheCallsBudget() {
        assertTheCallsBudgetIsSent(this::webClientCall);
    }

    @Test
    void aDownstreamThatDoesNotAnswerIsGivenUpAfterTheCallsBudget() {
        assertThat(callWithAFiveSecondBudget(front(this::nettyCall, downstream(true))))
                .isEqualTo("200 gave up: context deadline exceeded; request live: true");
    }
}
