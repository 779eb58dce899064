package dev.gocontext.reactor.faults;

import static dev.gocontext.reactor.faults.ClientStacks.CALL_ID;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.faults.ClientStacks.Stack;
import dev.gocontext.reactor.http.TestServers;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
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
import reactor.netty.http.client.HttpClient;

/**
 * A call that its ctx cancels is not an error: 1,000 calls canceled by their ctx or its deadline
 * (each through one of the client stacks, at one of the moments, chosen by a seeded random: {@code
 * -Dgocontext.seed=} replays a run) log nothing above DEBUG and drop no error to {@code onErrorDropped}; every caller
 * gets {@code ctx.err()} (or WebClient's wrapping of it).
 */
class CancelQuietlyTest {
    private static final int CALLS = 1_000;
    private static final int IN_FLIGHT = 16;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    /** Where the ctx ends the call. */
    enum Moment {
        BEFORE_SENDING,
        SERVER_HOLDS_IT,
        MID_BODY,
        /**
         * The ctx's deadline passes while the server holds the call: every {@code deadlineOf} on the
         * ctx (the caller's, and the client's own under it) has its timer, and the timers fire on
         * different threads at once; the inner one's error, wrapped by WebClient, reaches the outer
         * one after it stopped.
         */
        DEADLINE
    }

    /** The ctx of each call in flight, by call id, for the server to cancel. */
    private final Map<String, CancellableContext> calls = new ConcurrentHashMap<>();

    private DisposableServer server;
    private PoolProbe pool;

    @BeforeEach
    void start() {
        server = TestServers.plain((request, response) -> {
            String id = request.requestHeaders().get(CALL_ID);
            if (request.fullPath().equals("/wait")) {
                return Mono.never(); // until the call's deadline
            }
            if (request.fullPath().equals("/hold")) {
                CancellableContext ctx = calls.get(id);
                Schedulers.parallel().schedule(ctx::cancel); // the server has the request: cancel now
                return Mono.never();
            }
            return response.sendString(Flux.concat(Mono.just("first\n"), Flux.never()));
        });
        pool = check.watch(PoolProbe.of("cancel-quietly", IN_FLIGHT, Duration.ofSeconds(30)));
        clients();
    }

    @AfterEach
    void stop() {
        server.disposeNow();
    }

    private ClientStacks clientStacks;

    private void clients() {
        clientStacks = new ClientStacks(HttpClient.create(pool.provider()), server.port());
    }

    private Flux<String> call(Stack stack, String path, String id) {
        return clientStacks.call(stack, path, id);
    }

    /** One call, canceled by its ctx at {@code moment}: what the caller got ("canceled" if ctx.err()). */
    private Mono<String> canceledCall(Stack stack, Moment moment, int n) {
        String id = Integer.toString(n);
        CancellableContext ctx = moment == Moment.DEADLINE
                ? Context.background().withTimeout(Duration.ofMillis(1 + n % 20))
                : Context.background().withCancel();
        calls.put(id, ctx);
        Flux<String> call = switch (moment) {
            case BEFORE_SENDING -> {
                ctx.cancel();
                yield call(stack, "/hold", id);
            }
            case SERVER_HOLDS_IT -> call(stack, "/hold", id);
            case MID_BODY ->
                call(stack, "/body", id).doOnNext(chunk -> Schedulers.parallel().schedule(ctx::cancel));
            case DEADLINE -> call(stack, "/wait", id);
        };
        String where = stack + " " + moment + ": ";
        return call.contextWrite(GoContext.with(ctx))
                .then(Mono.just(where + "completed"))
                .onErrorResume(e -> Mono.just(CtxErrors.isErrOf(e, ctx) ? "canceled" : where + e))
                .doFinally(signal -> {
                    calls.remove(id);
                    ctx.cancel();
                });
    }

    @Test
    void aThousandCallsCanceledByTheirCtxLogNothingAndDropNothing() {
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        Random random = new Random(seed);
        Stack[] stacks = new Stack[CALLS];
        Moment[] moments = new Moment[CALLS];
        for (int i = 0; i < CALLS; i++) {
            stacks[i] = Stack.values()[random.nextInt(Stack.values().length)];
            moments[i] = Moment.values()[random.nextInt(Moment.values().length)];
        }
        AtomicInteger canceled = new AtomicInteger();
        Map<String, Integer> other = new ConcurrentHashMap<>();
        try (LogCapture capture = LogCapture.begin()) {
            Flux.range(0, CALLS)
                    .flatMap(i -> canceledCall(stacks[i], moments[i], i), IN_FLIGHT)
                    .doOnNext(result -> {
                        if (result.equals("canceled")) {
                            canceled.incrementAndGet();
                        } else {
                            other.merge(result, 1, Integer::sum);
                        }
                    })
                    .blockLast(WAIT);
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(other)
                        .as("seed %d: what callers got instead of ctx.err()", seed)
                        .isEmpty();
                soft.assertThat(canceled)
                        .as("seed %d: callers that got ctx.err()", seed)
                        .hasValue(CALLS);
                capture.assertQuiet(soft, "seed " + seed);
            });
        }
    }
}
