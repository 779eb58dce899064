package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * 100,000 subscriptions that ended (every way a subscription ends) under one long-lived ctx leave
 * nothing reachable from it: sampled subscribers become garbage, the heap does not grow by what
 * 100,000 registrations would take, and the active gauge is back where it was. A control proves
 * that the same check sees retention when there is some.
 */
class RetentionTest {
    private static final int SUBSCRIPTIONS = 100_000;
    private static final int SAMPLE_EVERY = 1_000;

    @Test
    void finishedSubscriptionsLeaveNothingOnALiveCtx() throws Exception {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofHours(1));
        runSubscriptions(ctx, 2_000, new ArrayList<>()); // warm up classes and JIT before measuring
        long activeBefore = BridgeStats.active();
        long heapBefore = usedHeapAfterGc();

        List<WeakReference<Object>> sampled = new ArrayList<>();
        runSubscriptions(ctx, SUBSCRIPTIONS, sampled);

        assertThat(BridgeStats.active()).isEqualTo(activeBefore);
        assertThat(collectedAll(sampled)).as("sampled subscribers are garbage").isTrue();
        long grown = usedHeapAfterGc() - heapBefore;
        // a registration left behind costs at least its waiter plus the subscriber (~100 bytes):
        // 100,000 of them would be ~10 MB
        assertThat(grown).as("heap growth in bytes").isLessThan(3_000_000);
        assertThat(ctx.err()).isNull();
        ctx.cancel();
    }

    @Test
    void subscriptionsWithAReactorTimerReleaseItToo() throws Exception {
        // a ctx on another clock gets a Reactor timer per subscription: it must be disposed as well
        ManualTimeSource time = TimeSource.manual(Instant.EPOCH);
        CancellableContext ctx = Context.background().withTimeSource(time).withTimeout(Duration.ofHours(1));
        List<WeakReference<Object>> sampled = new ArrayList<>();
        runSubscriptions(ctx, 10_000, sampled);
        assertThat(collectedAll(sampled)).isTrue();
        ctx.cancel();
    }

    @Test
    void controlTheCheckSeesRetention() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        List<WeakReference<Object>> sampled = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Object held = new Object();
            sampled.add(new WeakReference<>(held));
            ctx.afterDone(held::hashCode); // registered and never stopped: the ctx keeps it
        }
        assertThat(collectedAll(sampled)).isFalse();
        ctx.cancel();
    }

    /** Ends subscriptions in turn by: fused completion, completion, error, downstream cancel. */
    private static void runSubscriptions(Context ctx, int count, List<WeakReference<Object>> sampled) {
        for (int i = 0; i < count; i++) {
            boolean sample = i % SAMPLE_EVERY == 0;
            Flux<Integer> source = switch (i % 4) {
                case 0 -> Flux.range(0, 3);
                case 1 -> Flux.range(0, 3).hide();
                case 2 -> Flux.error(new IllegalStateException());
                default -> Flux.never();
            };
            boolean cancel = i % 4 == 3;
            Flux<Integer> bound = GoContext.deadlineOf(source).contextWrite(GoContext.with(ctx));
            bound.subscribe(new BaseSubscriber<Integer>() {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    if (sample) {
                        sampled.add(new WeakReference<>(subscription)); // the bound subscriber
                    }
                    requestUnbounded();
                    if (cancel) {
                        cancel();
                    }
                }

                @Override
                protected void hookOnError(Throwable throwable) {
                    // expected for the error case
                }
            });
        }
        Mono.just(0).block(); // nothing pending
    }

    private static boolean collectedAll(List<WeakReference<Object>> refs) throws InterruptedException {
        for (int attempt = 0; attempt < 10; attempt++) {
            System.gc();
            if (refs.stream().allMatch(r -> r.get() == null)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
