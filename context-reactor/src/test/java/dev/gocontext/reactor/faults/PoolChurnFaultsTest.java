package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.faults.ClientStacks.Stack;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.TestServers;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * 1,000 calls through a pool of one connection, to a gocontext server, through both clients; a
 * seeded random ({@code -Dgocontext.seed=} replays a run) picks for each call its client, how long
 * the server takes, and whether its ctx is canceled, after how long, or its subscriber goes away.
 * Every call ends with its answer or its ctx's error, never with another call's trouble (a
 * connection closed under it, a pool that no longer gives connections); afterwards the pool is
 * idle and nothing was logged above DEBUG.
 */
class PoolChurnFaultsTest {
    private static final int CALLS = 1_000;
    private static final int IN_FLIGHT = 8;
    /** Below the module's 2-minute test timeout, so that a run that does not end says what it got. */
    private static final Duration WAIT = Duration.ofSeconds(90);

    /** The two clients of the library over Reactor Netty (a WebClient over GoContextHttpClient is H2cStreamChurnTest's). */
    private static final Stack[] CLIENTS = {Stack.NETTY, Stack.WEBCLIENT};

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    enum Fate {
        ANSWERED,
        CTX_CANCELED,
        SUBSCRIBER_GONE
    }

    private DisposableServer server;
    private PoolProbe pool;
    private ClientStacks stacks;

    @BeforeEach
    void start() {
        server = TestServers.netty(RequestContextFactory.withDefaults(), (request, response) -> {
            String query = request.uri().substring(request.uri().indexOf('=') + 1);
            return response.sendString(
                    Mono.delay(Duration.ofMillis(Long.parseLong(query))).thenReturn("ok"));
        });
        pool = check.watch(PoolProbe.of("pool-churn", 1, Duration.ofSeconds(60)));
        stacks = new ClientStacks(HttpClient.create(pool.provider()), server.port());
    }

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    private Mono<String> call(Stack client, long serverMs) {
        return stacks.body(client, "/?ms=" + serverMs, "pool-churn");
    }

    /** One call and its fate: what it ended with ("ok", "canceled", "gone", or something else). */
    private Mono<String> churn(Stack client, long serverMs, Fate fate, long afterMs) {
        CancellableContext ctx = Context.background().withCancel();
        Mono<String> call = call(client, serverMs).contextWrite(GoContext.with(ctx));
        Mono<String> ended = switch (fate) {
            case ANSWERED -> call;
            case CTX_CANCELED ->
                call.doOnSubscribe(s -> Schedulers.parallel()
                        .schedule(ctx::cancel, afterMs, java.util.concurrent.TimeUnit.MILLISECONDS));
            case SUBSCRIBER_GONE -> call.take(Duration.ofMillis(afterMs)).defaultIfEmpty("gone");
        };
        return ended.onErrorResume(
                        e -> Mono.just(CtxErrors.isErrOf(e, ctx) ? "canceled" : client + " " + fate + ": " + e))
                .doFinally(signal -> ctx.cancel());
    }

    @Test
    void aThousandCallsThroughAPoolOfOneWithRandomCancels() {
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        Random random = new Random(seed);
        Stack[] clients = new Stack[CALLS];
        Fate[] fates = new Fate[CALLS];
        long[] serverMs = new long[CALLS];
        long[] afterMs = new long[CALLS];
        for (int i = 0; i < CALLS; i++) {
            clients[i] = CLIENTS[random.nextInt(CLIENTS.length)];
            fates[i] = Fate.values()[random.nextInt(Fate.values().length)];
            serverMs[i] = random.nextInt(6);
            afterMs[i] = random.nextInt(8);
        }
        Map<String, Integer> endings = new ConcurrentHashMap<>();
        try (LogCapture capture = LogCapture.begin()) {
            Map<Integer, String> running = new ConcurrentHashMap<>();
            try {
                Flux.range(0, CALLS)
                        .flatMap(
                                i -> churn(clients[i], serverMs[i], fates[i], afterMs[i])
                                        .doOnSubscribe(s -> running.put(i, clients[i] + " " + fates[i]))
                                        .doFinally(signal -> running.remove(i)),
                                IN_FLIGHT)
                        .doOnNext(ending -> endings.merge(ending, 1, Integer::sum))
                        .blockLast(WAIT);
            } catch (IllegalStateException timedOut) {
                throw new AssertionError(
                        String.format(
                                "seed %d: the calls did not all end within %s; ended %s; still running %s; %s",
                                seed, WAIT, endings, running, pool),
                        timedOut);
            }
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(endings.keySet())
                        .as("seed %d: how calls ended: %s", seed, endings)
                        .isSubsetOf("ok", "canceled", "gone");
                soft.assertThat(endings.getOrDefault("ok", 0))
                        .as("seed %d: answered calls", seed)
                        .isPositive();
                capture.assertQuiet(soft, "seed " + seed);
            });
        }
        assertThat(endings.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(CALLS);
    }
}
