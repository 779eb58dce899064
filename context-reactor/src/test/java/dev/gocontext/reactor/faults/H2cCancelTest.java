package dev.gocontext.reactor.faults;

import static dev.gocontext.reactor.faults.ClientStacks.CALL_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.faults.ClientStacks.Stack;
import dev.gocontext.reactor.http.GoContextHttp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * 40 calls canceled by their ctx over HTTP/2 cleartext (h2c, prior knowledge), to a server that serves
 * HTTP/1.1 and h2c on one port. A seeded random ({@code -Dgocontext.seed=} replays a run) picks
 * each call's client stack. Every call carries its hop's budget and request id on the h2 request,
 * and ends with {@code ctx.err()}; the server's handler of each call is canceled (the client reset
 * the call's stream).
 *
 * <p>A cancel over h2c resets one stream and keeps the connection (over HTTP/1.1, closing the
 * connection is the only way to cancel a request in flight): the TCP connections opened for all
 * the calls are at most the pool's size, and the connection serves the next call. Afterwards no
 * context is left active and Netty reported no leak.
 *
 * <p>The connection is open before the canceled calls: calls canceled while the first h2c
 * connection was being opened were seen to leave their handler running on the server (4 of 40,
 * as many as were in flight). The pool's streams after canceled calls, canceled at every point of
 * a call, are {@link H2cStreamChurnTest}'s to check.
 */
class H2cCancelTest {
    private static final int CALLS = 40;
    private static final int IN_FLIGHT = 4;
    private static final int POOL_SIZE = 2;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration STUCK = Duration.ofSeconds(5);
    private static final Duration BUDGET = Duration.ofMinutes(1);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    /** What the server saw of one request. */
    record Seen(String protocol, String timeout, String requestId) {}

    /** The ctx of each call in flight, by call id, for the server to cancel once it holds the call. */
    private final Map<String, CancellableContext> calls = new ConcurrentHashMap<>();

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionsOpened = new AtomicInteger();
    private final AtomicInteger handlersEnded = new AtomicInteger();

    private DisposableServer server;
    private PoolProbe pool;

    @BeforeEach
    void start() {
        server = ClientStacks.http11AndH2c(connectionsOpened)
                .handle((request, response) -> {
                    seen.add(new Seen(
                            request.protocol(),
                            String.valueOf(request.requestHeaders().get(GoContextHttp.REQUEST_TIMEOUT)),
                            String.valueOf(request.requestHeaders().get(GoContextHttp.REQUEST_ID))));
                    if (request.fullPath().equals("/hold")) {
                        CancellableContext ctx =
                                calls.get(request.requestHeaders().get(CALL_ID));
                        Schedulers.parallel().schedule(ctx::cancel); // the server has the request: cancel now
                        return Mono.never()
                                .doFinally(signal -> handlersEnded.incrementAndGet())
                                .then();
                    }
                    return response.sendString(Mono.just("ok"));
                })
                .bindNow();
    }

    @AfterEach
    void stop() {
        server.disposeNow();
        pool.dispose();
    }

    private ClientStacks clientStacks;

    /** The clients, built once as an application builds them, all over h2c through the one pool. */
    private void clients() {
        clientStacks = new ClientStacks(HttpClient.create(pool.provider()).protocol(HttpProtocol.H2C), server.port());
    }

    private Flux<String> call(Stack stack, String path, String id) {
        return clientStacks.call(stack, path, id);
    }

    /** One call that the ctx cancels once the server holds it: "canceled" if it ended with ctx.err(). */
    private Mono<String> canceledCall(Stack stack, int n) {
        String id = "call-" + n;
        CancellableContext ctx = Context.background().withTimeout(BUDGET);
        calls.put(id, ctx);
        return call(stack, "/hold", id)
                .contextWrite(GoContext.with(ctx.withValue(GoContextHttp.REQUEST_ID_KEY, id)))
                .then(Mono.just(stack + ": completed"))
                // a call that its cancel does not end is reported, not waited for
                .timeout(STUCK, Mono.fromSupplier(() -> stack + ": still running after " + STUCK))
                .onErrorResume(e -> Mono.just(CtxErrors.isErrOf(e, ctx) ? "canceled" : stack + ": " + e))
                .doFinally(signal -> calls.remove(id));
    }

    @Test
    void canceledCallsResetTheirStreamAndKeepTheirConnection() {
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        Random random = new Random(seed);
        // not watched by the ResourceCheck: see the class doc on the pool's count of acquired streams
        pool = PoolProbe.of("h2c-cancel", POOL_SIZE, Duration.ofSeconds(30));
        clients();
        Stack[] stacks = new Stack[CALLS];
        for (int i = 0; i < CALLS; i++) {
            stacks[i] = Stack.values()[random.nextInt(Stack.values().length)];
        }
        Map<String, Integer> endings = new ConcurrentHashMap<>();
        try (LogCapture capture = LogCapture.begin()) {
            // the connection is open before the calls (see the class doc on calls canceled while it opens)
            CancellableContext firstCtx = Context.background().withTimeout(BUDGET);
            String first = call(Stack.NETTY, "/ok", "first")
                    .contextWrite(GoContext.with(firstCtx))
                    .doFinally(signal -> firstCtx.cancel())
                    .blockLast(WAIT);
            Flux.range(0, CALLS)
                    .flatMap(i -> canceledCall(stacks[i], i), IN_FLIGHT)
                    .doOnNext(ending -> endings.merge(ending, 1, Integer::sum))
                    .then()
                    .block(WAIT);
            CancellableContext nextCtx = Context.background().withTimeout(BUDGET);
            String next = call(Stack.NETTY, "/ok", "next")
                    .contextWrite(GoContext.with(nextCtx))
                    .doFinally(signal -> nextCtx.cancel())
                    .timeout(
                            STUCK,
                            Mono.error(() -> new AssertionError(String.format(
                                    "seed %d: the call after the canceled ones got no answer in %s: they ended %s; %s",
                                    seed, STUCK, endings, pool))))
                    .blockLast();
            await("every canceled call's handler ended on the server: " + handlersEnded)
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> handlersEnded.get() == CALLS);

            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(endings)
                        .as("seed %d: how calls ended", seed)
                        .containsExactly(Map.entry("canceled", CALLS));
                soft.assertThat(first).as("the call before them").isEqualTo("ok");
                soft.assertThat(next).as("the call after them").isEqualTo("ok");
                soft.assertThat(seen).as("requests the server saw").hasSize(CALLS + 2);
                soft.assertThat(seen)
                        .as("every request on %s, with its hop's budget and the request id", "HTTP/2.0")
                        .allSatisfy(s -> {
                            assertThat(s.protocol()).isEqualTo("HTTP/2.0");
                            assertThat(Long.parseLong(s.timeout())).isBetween(1L, BUDGET.toMillis());
                        })
                        .filteredOn(s -> !s.requestId().equals("null"))
                        .hasSize(CALLS);
                soft.assertThat(connectionsOpened.get())
                        .as("seed %d: TCP connections opened for %d canceled calls and two more", seed, CALLS)
                        .isBetween(1, POOL_SIZE);
                capture.assertQuiet(soft, "seed " + seed);
            });
        }
    }
}
