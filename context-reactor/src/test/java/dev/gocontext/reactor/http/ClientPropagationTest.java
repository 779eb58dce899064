package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.TimeSource;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.test.StepVerifier;

/**
 * The client side of the HTTP conventions, for WebClient's filter and Reactor Netty's customizer:
 * headers go to allowed hosts only, and the call is bound to the ctx.
 */
class ClientPropagationTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** 127.0.0.1 is "ours"; 127.0.0.2 plays a third party. */
    private static final OutboundPropagation OURS = OutboundPropagation.toHosts("127.0.0.1");

    private final List<DisposableServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(DisposableServer::disposeNow);
    }

    /** A plain server that answers the propagation headers it received. */
    private DisposableServer echo(String host) {
        DisposableServer server = HttpServer.create()
                .host(host)
                .port(0)
                .handle((request, response) -> response.sendString(Mono.just("timeout="
                        + request.requestHeaders().get(GoContextHttp.REQUEST_TIMEOUT) + " id="
                        + request.requestHeaders().get(GoContextHttp.REQUEST_ID))))
                .bindNow();
        servers.add(server);
        return server;
    }

    /** A request ctx of 5 s on a clock that stands still: it sends exactly 5000 ms, however slow the run. */
    private static CancellableContext requestCtx(String id) {
        return Context.background()
                .withTimeSource(TimeSource.manual(Instant.parse("2030-01-01T00:00:00Z")))
                .withValue(GoContextHttp.REQUEST_ID_KEY, id)
                .withTimeout(Duration.ofSeconds(5));
    }

    private static Mono<String> viaWebClient(String url) {
        return viaWebClient(url, HttpClient.create());
    }

    private static Mono<String> viaWebClient(String url, HttpClient connector) {
        return WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(connector))
                .filter(new GoContextExchangeFilter(OURS))
                .build()
                .get()
                .uri(url)
                .header(GoContextHttp.REQUEST_ID, "set-by-caller")
                .retrieve()
                .bodyToMono(String.class);
    }

    private static Mono<String> viaNetty(String url) {
        return viaNetty(url, HttpClient.create());
    }

    private static Mono<String> viaNetty(String url, HttpClient base) {
        return GoContextHttpClient.propagation(OURS)
                .apply(base.headers(h -> h.add(GoContextHttp.REQUEST_ID, "set-by-caller")))
                .get()
                .uri(url)
                .responseContent()
                .aggregate()
                .asString();
    }

    private void assertPropagation(java.util.function.Function<String, Mono<String>> call) {
        DisposableServer ours = echo("127.0.0.1");
        DisposableServer thirdParty = echo("127.0.0.2");
        CancellableContext ctx = requestCtx("req-7");

        String toOurs = call.apply("http://127.0.0.1:" + ours.port() + "/")
                .contextWrite(GoContext.with(ctx))
                .block(WAIT);
        assertThat(toOurs).isEqualTo("timeout=5000 id=req-7");

        String toThirdParty = call.apply("http://127.0.0.2:" + thirdParty.port() + "/")
                .contextWrite(GoContext.with(ctx))
                .block(WAIT);
        assertThat(toThirdParty)
                .as("nothing leaks, not even a header the caller set")
                .isEqualTo("timeout=null id=null");

        String unsafe = call.apply("http://127.0.0.1:" + ours.port() + "/")
                .contextWrite(GoContext.with(Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "bad id")))
                .block(WAIT);
        assertThat(unsafe).as("no deadline, unsafe id: nothing to send").isEqualTo("timeout=null id=null");
        ctx.cancel();
    }

    @Test
    void webClientSendsTheBudgetAndIdToAllowedHostsOnly() {
        assertPropagation(ClientPropagationTest::viaWebClient);
    }

    @Test
    void nettyClientSendsTheBudgetAndIdToAllowedHostsOnly() {
        assertPropagation(ClientPropagationTest::viaNetty);
    }

    /** A GoContext server that never answers; remembers its request ctx. */
    private DisposableServer hanging(AtomicReference<Context> serverCtx) {
        BiFunction<
                        reactor.netty.http.server.HttpServerRequest,
                        reactor.netty.http.server.HttpServerResponse,
                        org.reactivestreams.Publisher<Void>>
                handler = (request, response) ->
                        GoContext.current().doOnNext(serverCtx::set).then(Mono.never());
        DisposableServer server = TestServers.netty(RequestContextFactory.withDefaults(), handler);
        servers.add(server);
        return server;
    }

    @Test
    void cancelingTheCtxCancelsAWebClientCallAndTheServerSeesItsClientGo() {
        AtomicReference<Context> serverCtx = new AtomicReference<>();
        DisposableServer server = hanging(serverCtx);
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(
                        viaWebClient("http://127.0.0.1:" + server.port() + "/").contextWrite(GoContext.with(ctx)))
                .then(() -> await().atMost(WAIT).until(() -> serverCtx.get() != null))
                .then(ctx::cancel)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        await().atMost(WAIT).until(() -> serverCtx.get().err() != null);
        assertThat(serverCtx.get().cause()).isInstanceOf(ClientDisconnectedException.class);
    }

    @Test
    void cancelingTheCtxClosesANettyClientConnectionAndTheServerSeesItsClientGo() {
        AtomicReference<Context> serverCtx = new AtomicReference<>();
        DisposableServer server = hanging(serverCtx);
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(viaNetty("http://127.0.0.1:" + server.port() + "/").contextWrite(GoContext.with(ctx)))
                .then(() -> await().atMost(WAIT).until(() -> serverCtx.get() != null))
                .then(ctx::cancel)
                .expectError()
                .verify(WAIT);
        await().atMost(WAIT).until(() -> serverCtx.get().err() != null);
        assertThat(serverCtx.get().cause()).isInstanceOf(ClientDisconnectedException.class);
    }

    @Test
    void aDoneCtxFailsACallBeforeAnythingIsSent() {
        AtomicReference<Context> serverCtx = new AtomicReference<>();
        DisposableServer server = hanging(serverCtx);
        AtomicInteger connected = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        HttpClient counting = HttpClient.create()
                .doOnConnected(connection -> connected.incrementAndGet())
                .doOnRequest((request, connection) -> sent.incrementAndGet());
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        String url = "http://127.0.0.1:" + server.port() + "/";
        StepVerifier.create(viaNetty(url, counting).contextWrite(GoContext.with(ctx)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        StepVerifier.create(viaWebClient(url, counting).contextWrite(GoContext.with(ctx)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        // had a request gone out, the client would have connected and sent before failing
        assertThat(connected).as("connections opened").hasValue(0);
        assertThat(sent).as("requests sent").hasValue(0);
    }

    @Test
    void aCtxCanceledAfterItsResponseLeavesThePooledConnectionAlone() {
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> response.sendString(Mono.just(String.valueOf(request.remoteAddress()))))
                .bindNow();
        servers.add(server);
        ConnectionProvider one = ConnectionProvider.builder("one")
                .maxConnections(1)
                .pendingAcquireTimeout(WAIT)
                .build();
        try {
            HttpClient client = GoContextHttpClient.propagation(OURS).apply(HttpClient.create(one));
            Mono<String> peer = client.get()
                    .uri("http://127.0.0.1:" + server.port() + "/")
                    .responseContent()
                    .aggregate()
                    .asString();
            CancellableContext first = Context.background().withCancel();
            String firstPeer = peer.contextWrite(GoContext.with(first)).block(WAIT);
            first.cancel(); // the call is over: its connection goes back to the pool and must stay open
            // the pool's only connection serves the next call: the same one, or the cancel closed it
            assertThat(peer.block(WAIT)).isEqualTo(firstPeer);
        } finally {
            one.disposeLater().block(WAIT);
        }
    }

    /** A plain server that answers the values of the two custom propagation headers and the default ones. */
    private DisposableServer echoCustom() {
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> response.sendString(
                        Mono.just("budget=" + request.requestHeaders().get("X-Budget-Ms")
                                + " corr=" + request.requestHeaders().get("X-Correlation-ID")
                                + " defaults=" + request.requestHeaders().get(GoContextHttp.REQUEST_TIMEOUT) + "/"
                                + request.requestHeaders().get(GoContextHttp.REQUEST_ID))))
                .bindNow();
        servers.add(server);
        return server;
    }

    @Test
    void bothClientsSendAndStripTheConfiguredHeaderNames() {
        OutboundPropagation custom = OURS.withHeaderNames("X-Budget-Ms", "X-Correlation-ID");
        assertThat(custom.timeoutHeader()).isEqualTo("X-Budget-Ms");
        assertThat(custom.requestIdHeader()).isEqualTo("X-Correlation-ID");
        assertThat(OURS.timeoutHeader()).isEqualTo(GoContextHttp.REQUEST_TIMEOUT);
        assertThat(custom.toString()).contains("X-Budget-Ms/X-Correlation-ID");
        DisposableServer server = echoCustom();
        String url = "http://127.0.0.1:" + server.port() + "/";
        CancellableContext ctx = requestCtx("corr-3");
        String viaWebClient = WebClient.builder()
                .filter(new GoContextExchangeFilter(custom))
                .build()
                .get()
                .uri(url)
                .header("X-Correlation-ID", "set-by-caller")
                .retrieve()
                .bodyToMono(String.class)
                .contextWrite(GoContext.with(ctx))
                .block(WAIT);
        String viaNetty = GoContextHttpClient.propagation(custom)
                .apply(HttpClient.create().headers(h -> h.add("X-Correlation-ID", "set-by-caller")))
                .get()
                .uri(url)
                .responseContent()
                .aggregate()
                .asString()
                .contextWrite(GoContext.with(ctx))
                .block(WAIT);
        for (String body : List.of(viaWebClient, viaNetty)) {
            assertThat(body).isEqualTo("budget=5000 corr=corr-3 defaults=null/null");
        }
        ctx.cancel();

        assertThatThrownBy(() -> OURS.withHeaderNames("X Budget", "X-Correlation-ID"))
                .hasMessageContaining("timeoutHeader must be an HTTP token");
        assertThatThrownBy(() -> OURS.withHeaderNames("X-A", "x-a"))
                .hasMessage("timeoutHeader and requestIdHeader must differ: both are X-A");
    }

    @Test
    void noneSendsNothingAnywhere() {
        CancellableContext ctx = requestCtx("abc");
        assertThat(OutboundPropagation.none().headersFor(ctx, "127.0.0.1")).isEmpty();
        assertThat(OutboundPropagation.none().allows("localhost")).isFalse();
        ctx.cancel();
    }

    @Test
    void theExchangeFilterLeavesTheCtxInARequestAttribute() {
        DisposableServer server = echo("127.0.0.1");
        AtomicReference<Object> attribute = new AtomicReference<>();
        CancellableContext ctx = requestCtx("attr-1");
        WebClient.builder()
                .filter(new GoContextExchangeFilter(OURS))
                .filter((request, next) -> {
                    attribute.set(request.attribute(GoContextExchangeFilter.CTX_ATTRIBUTE)
                            .orElse(null));
                    return next.exchange(request);
                })
                .build()
                .get()
                .uri("http://127.0.0.1:" + server.port() + "/")
                .retrieve()
                .bodyToMono(String.class)
                .contextWrite(GoContext.with(ctx))
                .block(WAIT);
        assertThat(attribute.get()).isSameAs(ctx);
        ctx.cancel();
    }

    @Test
    void headersForFollowsThePolicy() {
        CancellableContext ctx = requestCtx("abc");
        assertThat(OURS.headersFor(ctx, "127.0.0.1"))
                .containsEntry(GoContextHttp.REQUEST_ID, "abc")
                .containsKey(GoContextHttp.REQUEST_TIMEOUT);
        assertThat(OURS.headersFor(ctx, "evil.example")).isEmpty();
        assertThat(OURS.headersFor(ctx, null)).isEmpty();
        OutboundPropagation internal = OutboundPropagation.toHosts(h -> h.endsWith(".internal"));
        assertThat(internal.allows("Billing.INTERNAL")).isTrue();
        assertThat(internal.allows("billing.internal.evil.example")).isFalse();
        CancellableContext expired = Context.background().withTimeout(Duration.ZERO);
        assertThat(OURS.headersFor(expired, "127.0.0.1")).containsEntry(GoContextHttp.REQUEST_TIMEOUT, "1");
        ctx.cancel();
    }
}
