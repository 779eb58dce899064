package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.http.TestServers;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/**
 * Response bodies that are not read to their end: never read, read partly when the ctx ends, cut by
 * the server, abandoned by the client. Through a pool of one connection, so that a connection not
 * given back fails the next call; each test ends with the pool idle.
 */
class BodyFaultsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final OutboundPropagation LOOPBACK = OutboundPropagation.toHosts("127.0.0.1");

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    enum Client {
        WEBCLIENT,
        NETTY
    }

    private DisposableServer server;
    private PoolProbe pool;
    private final CountDownLatch bodyStarted = new CountDownLatch(1);

    @BeforeEach
    void start() {
        server = TestServers.plain((request, response) -> switch (request.fullPath()) {
            case "/small" -> response.sendString(Mono.just("hello"));
            // more than the socket buffers hold: the response is complete only once the client reads it
            case "/large" -> response.sendByteArray(Flux.range(0, 64).map(i -> new byte[128 * 1024]));
            // the first chunk, then nothing until the client goes away
            case "/endless" ->
                response.sendString(
                        Flux.concat(Mono.just("first\n"), Flux.never()).doOnNext(chunk -> bodyStarted.countDown()));
            // two chunks, then the connection closes mid-body
            case "/cut" ->
                response.sendString(Flux.just("first\n", "second\n"))
                        .then()
                        .then(Mono.<Void>create(sink -> response.withConnection(
                                c -> c.channel().close().addListener(closed -> sink.success()))));
            default -> response.status(404).send();
        });
        pool = check.watch(PoolProbe.of("body-faults", 1, Duration.ofSeconds(2)));
    }

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    private WebClient webClient() {
        return WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool.provider())))
                .filter(new GoContextExchangeFilter(LOOPBACK))
                .build();
    }

    private HttpClient nettyClient() {
        return GoContextHttpClient.propagation(LOOPBACK).apply(HttpClient.create(pool.provider()));
    }

    /** A plain call through the same pool: it gets a connection only if the earlier ones were given back. */
    private void theNextCallGetsAConnection(Client client) {
        Mono<String> call = switch (client) {
            case WEBCLIENT -> webClient().get().uri(url("/small")).retrieve().bodyToMono(String.class);
            case NETTY ->
                nettyClient()
                        .get()
                        .uri(url("/small"))
                        .responseContent()
                        .aggregate()
                        .asString();
        };
        StepVerifier.create(call).expectNext("hello").expectComplete().verify(WAIT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/small", "/large"})
    void aCtxDoneBeforeTheBodyIsReadStillGivesTheConnectionBack(String path) {
        CancellableContext ctx = Context.background().withCancel();
        Mono<String> call = webClient().get().uri(url(path)).exchangeToMono(response -> {
            ctx.cancel(); // the request's scope ends between the exchange and the body read
            return response.bodyToMono(String.class);
        });
        StepVerifier.create(call.contextWrite(GoContext.with(ctx)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        theNextCallGetsAConnection(Client.WEBCLIENT);
    }

    /**
     * A reader that cancels as it subscribes (the inner of a flatMap that another thread cancelled
     * just then), under a ctx done after the exchange: it gets no error (which it could only drop to
     * {@code onErrorDropped}), and the body it never read still gives its connection back.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/small", "/large"})
    void aReaderThatCancelsAsItSubscribesUnderADoneCtxStillGivesTheConnectionBack(String path) {
        CancellableContext ctx = Context.background().withCancel();
        WebClient endsTheCtxOnTheResponse = webClient()
                .mutate()
                // outside GoContextExchangeFilter: the ctx ends once the bound response is handed on
                .filters(filters ->
                        filters.add(0, (request, next) -> next.exchange(request).doOnNext(response -> ctx.cancel())))
                .build();
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        try {
            Mono<Void> call = endsTheCtxOnTheResponse
                    .get()
                    .uri(url(path))
                    .retrieve()
                    .toEntityFlux(DataBuffer.class) // the body as the connector gives it, undecoded
                    .flatMap(entity -> Mono.fromRunnable(() -> entity.getBody().subscribe(new CancelAtOnce())));
            // the ctx alone, without GoContext.with's dropped-error hook, which would quiet the error
            StepVerifier.create(call.contextWrite(reactorContext -> reactorContext.put(GoContext.CONTEXT_KEY, ctx)))
                    .expectComplete()
                    .verify(WAIT);
            theNextCallGetsAConnection(Client.WEBCLIENT);
            assertThat(dropped).as("dropped errors").isEmpty();
        } finally {
            Hooks.resetOnErrorDropped();
        }
    }

    /** Cancels as it subscribes; like Reactor's collectors, it drops an error that comes after. */
    private static final class CancelAtOnce extends BaseSubscriber<DataBuffer> {
        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            cancel();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/small", "/large"})
    void aBodyNeverReadUnderADoneCtxStillGivesTheConnectionBack(String path) {
        CancellableContext ctx = Context.background().withCancel();
        Mono<String> call = webClient().get().uri(url(path)).exchangeToMono(response -> {
            ctx.cancel();
            return Mono.just("not reading it"); // WebClient releases the body itself
        });
        StepVerifier.create(call.contextWrite(GoContext.with(ctx)))
                .expectNext("not reading it")
                .expectComplete()
                .verify(WAIT);
        theNextCallGetsAConnection(Client.WEBCLIENT);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aBodyReadPartlyWhenTheCtxEndsGivesTheConnectionBack(Client client) throws InterruptedException {
        CancellableContext ctx = Context.background().withCancel();
        Flux<String> body = switch (client) {
            case WEBCLIENT -> webClient().get().uri(url("/endless")).retrieve().bodyToFlux(String.class);
            case NETTY ->
                GoContext.deadlineOf(nettyClient()
                        .get()
                        .uri(url("/endless"))
                        .responseContent()
                        .asString());
        };
        StepVerifier.create(body.contextWrite(GoContext.with(ctx)))
                .expectNextMatches(chunk -> chunk.startsWith("first")) // WebClient splits lines
                .then(() -> await(bodyStarted))
                .then(ctx::cancel)
                .expectErrorSatisfies(e -> assertThat(causeOf(e)).isSameAs(Context.CANCELED))
                .verify(WAIT);
        theNextCallGetsAConnection(client);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aBodyCutByTheServerGivesTheConnectionBack(Client client) {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofMinutes(1));
        Flux<String> body = switch (client) {
            case WEBCLIENT -> webClient().get().uri(url("/cut")).retrieve().bodyToFlux(String.class);
            case NETTY -> nettyClient().get().uri(url("/cut")).responseContent().asString();
        };
        StepVerifier.create(body.contextWrite(GoContext.with(ctx)))
                .thenConsumeWhile(chunk -> true)
                .expectError()
                .verify(WAIT);
        ctx.cancel();
        theNextCallGetsAConnection(client);
    }

    @ParameterizedTest
    @EnumSource(Client.class)
    void aBodyAbandonedByTheClientGivesTheConnectionBack(Client client) {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofMinutes(1));
        Flux<String> body = switch (client) {
            case WEBCLIENT -> webClient().get().uri(url("/endless")).retrieve().bodyToFlux(String.class);
            case NETTY ->
                nettyClient().get().uri(url("/endless")).responseContent().asString();
        };
        StepVerifier.create(body.take(1).contextWrite(GoContext.with(ctx)))
                .expectNextMatches(chunk -> chunk.startsWith("first"))
                .expectComplete()
                .verify(WAIT);
        ctx.cancel();
        theNextCallGetsAConnection(client);
    }

    /** WebClient's retrieve() wraps an error of the body in a WebClientResponseException. */
    private static Throwable causeOf(Throwable e) {
        return e instanceof WebClientResponseException && e.getCause() != null ? e.getCause() : e;
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
