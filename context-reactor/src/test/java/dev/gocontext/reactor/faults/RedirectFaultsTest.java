package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.http.TestServers;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.test.StepVerifier;

/**
 * Followed redirects: to the same host, to a host that is not allowed, in a loop. Propagation
 * headers go only to allowed hosts, with the time remaining at each hop; no pooled connection keeps
 * a binding to a call's ctx once the call is over.
 */
class RedirectFaultsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** 127.0.0.1 is ours; 127.0.0.2 plays a host that is not allowed. */
    private static final OutboundPropagation OURS = OutboundPropagation.toHosts("127.0.0.1");

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    enum Client {
        NETTY,
        WEBCLIENT
    }

    /** The propagation headers each path received, in order. */
    private final Map<String, List<String>> received = new ConcurrentHashMap<>();

    private final ManualTimeSource clock = TimeSource.manual(Instant.parse("2030-01-01T00:00:00Z"));
    private final CountDownLatch slowArrived = new CountDownLatch(1);
    private final Sinks.One<String> slowAnswer = Sinks.one();

    private DisposableServer ours;
    private DisposableServer ours2;
    private DisposableServer stranger;
    private PoolProbe pool;

    @BeforeEach
    void start() {
        stranger = TestServers.plain(this::handle, "127.0.0.2");
        ours2 = TestServers.plain(this::handle, "127.0.0.1");
        ours = TestServers.plain(this::handle, "127.0.0.1");
        pool = check.watch(PoolProbe.of("redirect-faults", 1, Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        slowAnswer.tryEmitValue("late");
        List.of(ours, ours2, stranger).forEach(DisposableServer::disposeNow);
    }

    private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        String path = request.fullPath();
        received.computeIfAbsent(request.hostAddress().getHostString() + path, k -> new CopyOnWriteArrayList<>())
                .add(request.requestHeaders().get(GoContextHttp.REQUEST_TIMEOUT) + " "
                        + request.requestHeaders().get(GoContextHttp.REQUEST_ID));
        return switch (path) {
            case "/to-stranger" -> redirect(response, "http://127.0.0.2:" + stranger.port() + "/target");
            case "/to-ours" -> redirect(response, "http://127.0.0.1:" + ours.port() + "/target");
            case "/to-ours2" -> redirect(response, "http://127.0.0.1:" + ours2.port() + "/target");
            case "/same-host" -> {
                clock.advance(Duration.ofSeconds(3)); // the budget shrinks between hops
                yield redirect(response, "/target");
            }
            case "/loop" -> redirect(response, "/loop");
            case "/slow" -> {
                slowArrived.countDown();
                yield response.sendString(slowAnswer.asMono()).then();
            }
            default -> response.sendString(Mono.just("ok")).then();
        };
    }

    private static Mono<Void> redirect(HttpServerResponse response, String location) {
        return response.status(302).header("Location", location).send();
    }

    private HttpClient nettyClient() {
        return GoContextHttpClient.propagation(OURS)
                .apply(HttpClient.create(pool.provider()).followRedirect(true));
    }

    private WebClient webClient() {
        return WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(
                        HttpClient.create(pool.provider()).followRedirect(true)))
                .filter(new GoContextExchangeFilter(OURS))
                .build();
    }

    /** The sample service's setup: WebClient over a Reactor Netty client that carries the ctx. */
    private WebClient webClientOverNetty() {
        return WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(nettyClient()))
                .build();
    }

    private Mono<String> get(Client client, String url) {
        return switch (client) {
            case NETTY ->
                nettyClient().get().uri(url).responseContent().aggregate().asString();
            case WEBCLIENT -> webClient().get().uri(url).retrieve().bodyToMono(String.class);
        };
    }

    private static CancellableContext requestCtx(Context parent) {
        return parent.withValue(GoContextHttp.REQUEST_ID_KEY, "req-1").withTimeout(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void headersGoOnlyToAllowedHostsOnEveryHop(Client client) {
        CancellableContext ctx = requestCtx(Context.background());
        String toStranger = "http://127.0.0.1:" + ours.port() + "/to-stranger";
        StepVerifier.create(get(client, toStranger).contextWrite(GoContext.with(ctx)))
                .expectNext("ok")
                .expectComplete()
                .verify(WAIT);
        assertThat(received.get("127.0.0.1/to-stranger"))
                .singleElement()
                .asString()
                .matches("\\d+ req-1");
        assertThat(received.get("127.0.0.2/target"))
                .as("the host that is not allowed")
                .containsExactly("null null");

        String fromStranger = "http://127.0.0.2:" + stranger.port() + "/to-ours";
        StepVerifier.create(get(client, fromStranger).contextWrite(GoContext.with(ctx)))
                .expectNext("ok")
                .expectComplete()
                .verify(WAIT);
        assertThat(received.get("127.0.0.2/to-ours")).containsExactly("null null");
        assertThat(received.get("127.0.0.1/target"))
                .as("an allowed host after one that is not")
                .singleElement()
                .asString()
                .matches("\\d+ req-1");
        ctx.cancel();
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void eachHopGetsTheTimeRemainingThen(Client client) {
        CancellableContext ctx = requestCtx(Context.background().withTimeSource(clock));
        StepVerifier.create(get(client, "http://127.0.0.1:" + ours.port() + "/same-host")
                        .contextWrite(GoContext.with(ctx)))
                .expectNext("ok")
                .expectComplete()
                .verify(WAIT);
        assertThat(received.get("127.0.0.1/same-host")).containsExactly("10000 req-1");
        assertThat(received.get("127.0.0.1/target")).containsExactly("7000 req-1");
        ctx.cancel();
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aRedirectLoopEndsAndLeavesNothingBehind(Client client) {
        CancellableContext ctx = requestCtx(Context.background());
        // Reactor Netty stops following at its limit and hands over the last 3xx, which has no body
        StepVerifier.create(get(client, "http://127.0.0.1:" + ours.port() + "/loop")
                        .contextWrite(GoContext.with(ctx))
                        .materialize())
                .expectNextMatches(signal -> signal.isOnComplete() || signal.isOnError())
                .expectComplete()
                .verify(WAIT);
        assertThat(received.get("127.0.0.1/loop")).hasSizeGreaterThan(1).allMatch(h -> h.matches("\\d+ req-1"));
        ctx.cancel();
    }

    enum Stack {
        NETTY,
        WEBCLIENT_OVER_NETTY
    }

    /**
     * The 3xx hop's connection goes back to the pool when the redirect is followed elsewhere. A later
     * call without a ctx reuses it; canceling the first call's ctx then must not touch it.
     */
    @ParameterizedTest
    @EnumSource(Stack.class)
    void aFollowedRedirectLeavesNoBindingOnThePooledConnection(Stack stack) throws InterruptedException {
        CancellableContext first = Context.background().withCancel();
        String redirecting = "http://127.0.0.1:" + ours.port() + "/to-ours2";
        String slow = "http://127.0.0.1:" + ours.port() + "/slow";
        Mono<String> firstCall = switch (stack) {
            case NETTY ->
                nettyClient()
                        .get()
                        .uri(redirecting)
                        .responseContent()
                        .aggregate()
                        .asString();
            case WEBCLIENT_OVER_NETTY ->
                webClientOverNetty().get().uri(redirecting).retrieve().bodyToMono(String.class);
        };
        StepVerifier.create(firstCall.contextWrite(GoContext.with(first)))
                .expectNext("ok")
                .expectComplete()
                .verify(WAIT);

        Mono<String> unrelated = switch (stack) {
            case NETTY ->
                nettyClient().get().uri(slow).responseContent().aggregate().asString();
            case WEBCLIENT_OVER_NETTY ->
                webClientOverNetty().get().uri(slow).retrieve().bodyToMono(String.class);
        };
        StepVerifier.create(unrelated)
                .then(() -> awaitArrival())
                .then(first::cancel) // the first call is long over: its ctx must reach nothing
                .then(() -> slowAnswer.tryEmitValue("slow-ok"))
                .expectNext("slow-ok")
                .expectComplete()
                .verify(WAIT);
    }

    private void awaitArrival() {
        try {
            assertThat(slowArrived.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
