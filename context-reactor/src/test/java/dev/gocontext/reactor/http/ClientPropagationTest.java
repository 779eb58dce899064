package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
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

    private static CancellableContext requestCtx(String id) {
        return Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, id).withTimeout(Duration.ofSeconds(5));
    }

    private static Mono<String> viaWebClient(String url) {
        return WebClient.builder()
                .filter(new GoContextExchangeFilter(OURS))
                .build()
                .get()
                .uri(url)
                .header(GoContextHttp.REQUEST_ID, "set-by-caller")
                .retrieve()
                .bodyToMono(String.class);
    }

    private static Mono<String> viaNetty(String url) {
        return GoContextHttpClient.propagation(OURS)
                .apply(HttpClient.create().headers(h -> h.add(GoContextHttp.REQUEST_ID, "set-by-caller")))
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
        assertThat(toOurs).matches("timeout=(4\\d\\d\\d|5000) id=req-7");

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
    void aDoneCtxFailsANettyCallBeforeItIsSent() {
        AtomicReference<Context> serverCtx = new AtomicReference<>();
        DisposableServer server = hanging(serverCtx);
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        StepVerifier.create(viaNetty("http://127.0.0.1:" + server.port() + "/").contextWrite(GoContext.with(ctx)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        StepVerifier.create(
                        viaWebClient("http://127.0.0.1:" + server.port() + "/").contextWrite(GoContext.with(ctx)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        assertThat(serverCtx.get()).isNull();
    }

    @Test
    void aCtxCanceledAfterItsResponseLeavesThePooledConnectionAlone() throws InterruptedException {
        java.util.Set<String> closedPeers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        DisposableServer server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .doOnConnection(c -> {
                    String peer = String.valueOf(c.channel().remoteAddress());
                    c.onDispose(() -> closedPeers.add(peer));
                })
                .handle((request, response) -> response.sendString(Mono.just(String.valueOf(request.remoteAddress()))))
                .bindNow();
        servers.add(server);
        HttpClient client = GoContextHttpClient.propagation(OURS).apply(HttpClient.create());
        CancellableContext first = Context.background().withCancel();
        String peer = client.get()
                .uri("http://127.0.0.1:" + server.port() + "/")
                .responseContent()
                .aggregate()
                .asString()
                .contextWrite(GoContext.with(first))
                .block(WAIT);
        Thread.sleep(100); // Reactor Netty reports the response complete just after the body is delivered
        first.cancel(); // the call is over: its connection went back to the pool and must stay open
        Thread.sleep(200);
        assertThat(closedPeers).doesNotContain(peer);
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
            assertThat(body).matches("budget=\\d+ corr=corr-3 defaults=null/null");
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
