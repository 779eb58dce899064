package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.Context;
import dev.gocontext.Registration;
import dev.gocontext.TimeSource;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.http.RequestOutcome;
import dev.gocontext.reactor.http.RequestScope;
import dev.gocontext.reactor.http.TestServers;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * A deadline that has passed on the ctx's clock, though its timer has not fired yet: what fails
 * then fails of the deadline. A handler whose downstream call failed because the downstream ran out
 * of the same budget (it closed the connection, or the wait for a pooled connection ended) is
 * answered {@code 504}, and logs nothing above DEBUG; an outbound call that fails then fails with
 * {@link Context#DEADLINE_EXCEEDED}, as Go's HTTP client returns {@code ctx.Err()}. The ctx's clock
 * is one whose timers never fire, moved past the deadline by the test: the instant between the
 * deadline and its timer, held open.
 */
class DeadlineBeforeItsTimerFaultsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration BUDGET = Duration.ofSeconds(30);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    /** A clock the test moves, whose timers never fire. */
    static final class StuckTimers implements TimeSource {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        @Override
        public Instant now() {
            return now.get();
        }

        @Override
        public Registration schedule(Runnable task, Duration delay) {
            return () -> true;
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }
    }

    private final StuckTimers clock = new StuckTimers();
    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    /** A transport failure that arrives once the deadline has passed on the clock. */
    private Mono<Void> failsAfterTheDeadline() {
        return Mono.fromRunnable(() -> clock.advance(BUDGET.plusMillis(1)))
                .then(Mono.error(new IOException("Connection prematurely closed BEFORE response")));
    }

    @Test
    void aHandlerFailingOnceItsDeadlinePassedIsA504AndLogsNothing() {
        AtomicReference<RequestOutcome> outcome = new AtomicReference<>();
        RequestContextFactory requests = RequestContextFactory.builder()
                .parent(Context.background().withTimeSource(clock))
                .listener(new RequestListener() {
                    @Override
                    public void ended(RequestScope scope, RequestOutcome why) {
                        outcome.set(why);
                    }
                })
                .build();
        server = TestServers.webflux(requests, exchange -> failsAfterTheDeadline());

        try (LogCapture capture = LogCapture.begin()) {
            Integer status = HttpClient.create()
                    .headers(h -> h.set(GoContextHttp.REQUEST_TIMEOUT, Long.toString(BUDGET.toMillis())))
                    .get()
                    .uri("http://127.0.0.1:" + server.port() + "/")
                    .responseSingle((response, body) -> body.asString()
                            .defaultIfEmpty("")
                            .map(text -> response.status().code()))
                    .block(WAIT);

            assertThat(status).isEqualTo(504);
            await().atMost(WAIT).untilAsserted(() -> assertThat(outcome).hasValue(RequestOutcome.DEADLINE_EXCEEDED));
            assertThat(capture.events()).as("logged above DEBUG").isEmpty();
            assertThat(capture.dropped()).as("dropped errors").isEmpty();
        }
    }

    /**
     * A server that, once it has the call, moves the caller's clock past its deadline and closes the
     * connection without an answer: the downstream that ran out of the same budget.
     */
    private DisposableServer closingServer() {
        return TestServers.plain((request, response) -> response.withConnection(connection -> {
                    clock.advance(BUDGET.plusMillis(1));
                    connection.channel().close();
                })
                .then());
    }

    /** What the call under a ctx of {@link #clock}, with {@link #BUDGET}, failed with. */
    private Throwable failureOf(Mono<?> call) {
        try (var ctx = Context.background().withTimeSource(clock).withTimeout(BUDGET)) {
            Throwable failure = call.contextWrite(GoContext.with(ctx))
                    .then(Mono.<Throwable>empty())
                    .onErrorResume(Mono::just)
                    .block(WAIT);
            assertThat(ctx.err()).as("the ctx's timer has not fired").isNull();
            return failure;
        }
    }

    @Test
    void aWebClientCallFailingOnceItsDeadlinePassedFailsWithDeadlineExceeded() {
        server = closingServer();
        WebClient client = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool())))
                .filter(new GoContextExchangeFilter(OutboundPropagation.toHosts("127.0.0.1")))
                .build();

        Throwable failure = failureOf(client.get()
                .uri("http://127.0.0.1:" + server.port() + "/")
                .retrieve()
                .toBodilessEntity());

        assertThat(failure).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void aReactorNettyCallFailingOnceItsDeadlinePassedFailsWithDeadlineExceeded() {
        server = closingServer();
        HttpClient client = GoContextHttpClient.propagation(OutboundPropagation.toHosts("127.0.0.1"))
                .apply(HttpClient.create(pool()));

        Throwable failure = failureOf(client.get()
                .uri("http://127.0.0.1:" + server.port() + "/")
                .responseSingle((response, body) -> body.asString()));

        assertThat(failure).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    private reactor.netty.resources.ConnectionProvider pool() {
        return check.watch(PoolProbe.of("deadline-before-its-timer", 4, WAIT)).provider();
    }
}
