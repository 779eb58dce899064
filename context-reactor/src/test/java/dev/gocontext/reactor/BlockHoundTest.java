package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * BlockHound (installed for the whole test run by blockhound-junit-platform) watches the bridge on
 * Reactor's non-blocking threads: binding, cancel, deadline, done, metrics, ctx creation. The HTTP
 * adapters run under it on Netty's event loops in the http tests.
 */
class BlockHoundTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int ROUNDS = 200;

    @Test
    void blockHoundIsWatching() {
        StepVerifier.create(Mono.fromCallable(() -> {
                            Thread.sleep(1);
                            return 1;
                        })
                        .subscribeOn(Schedulers.parallel()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(BlockingOperationError.class))
                .verify(WAIT);
    }

    @Test
    void theBridgeNeverBlocksANonBlockingThread() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // written from parallel threads (the rounds, and the deadlines delivered to them)
        Map<String, Object> results = new ConcurrentHashMap<>();
        Mono<Integer> everything = Mono.fromCallable(() -> {
                    new GoContextMetrics().bindTo(registry);
                    for (int i = 0; i < ROUNDS; i++) {
                        int round = i;
                        // a ctx with a deadline per round: core's timer heap, on a parallel thread
                        CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(30));
                        CancellableContext child = ctx.withTimeout(Duration.ofMillis(1 + i % 3));
                        GoContext.deadlineOf(Flux.range(0, 10))
                                .contextWrite(GoContext.with(ctx))
                                .count()
                                .subscribe(n -> results.put("count " + round, n));
                        GoContext.deadlineOf(Flux.never())
                                .contextWrite(GoContext.with(child))
                                .subscribe(v -> {}, e -> results.put("child " + round, e));
                        GoContext.done(ctx).subscribe().dispose();
                        GoContext.deadlineOf(Mono.never())
                                .contextWrite(GoContext.with(ctx))
                                .subscribe(v -> {}, e -> results.put("mono " + round, e));
                        // its own deadline is far: the round's cancel ends it (a deadline racing with
                        // that cancel is the child's above)
                        GoContext.withTimeout(Mono.never(), Duration.ofSeconds(30))
                                .contextWrite(GoContext.with(ctx))
                                .subscribe(v -> {}, e -> results.put("withTimeout " + round, e));
                        ctx.cancel(new IllegalStateException("round " + i));
                        registry.get("gocontext.subscriptions.active").gauge().value();
                    }
                    return ROUNDS;
                })
                .subscribeOn(Schedulers.parallel());
        StepVerifier.create(everything).expectNext(ROUNDS).expectComplete().verify(WAIT);
        // the children's deadlines may still be on their way to their subscribers
        await().atMost(WAIT).until(() -> results.size() == 4 * ROUNDS);
        for (int i = 0; i < ROUNDS; i++) {
            assertThat(results.get("count " + i)).as("round " + i).isEqualTo(10L);
            assertThat(results.get("child " + i)).as("round " + i).isIn(Context.DEADLINE_EXCEEDED, Context.CANCELED);
            assertThat(results.get("mono " + i)).as("round " + i).isSameAs(Context.CANCELED);
            assertThat(results.get("withTimeout " + i)).as("round " + i).isSameAs(Context.CANCELED);
        }
    }

    @Test
    void deadlinesAreDeliveredOnParallelThreadsWithoutBlocking() {
        List<Mono<Void>> waits = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(5 + i % 10));
            waits.add(GoContext.deadlineOf(Mono.never())
                    .contextWrite(GoContext.with(ctx))
                    .onErrorResume(e -> e == Context.DEADLINE_EXCEEDED, e -> Mono.empty())
                    .then(GoContext.done(ctx))
                    .publishOn(Schedulers.parallel())
                    .then());
        }
        StepVerifier.create(Mono.when(waits)).expectComplete().verify(WAIT);
    }
}
