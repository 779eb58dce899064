package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import java.lang.ref.ReferenceQueue;
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
 * Subscriptions that ended (every way a subscription ends) under one long-lived ctx leave nothing
 * reachable from it. Measured with weak references to the library's own objects, never with heap
 * sizes (the JVM is shared with the other tests): for {@code deadlineOf}, its subscribers (which
 * are what it registers on the ctx); for {@code withTimeout}, a probe registered on each child
 * ctx, which stays reachable from the parent as long as the child is registered there or its timer
 * is scheduled. A control proves that the same check sees retention when there is some.
 */
class RetentionTest {
    private static final int SUBSCRIPTIONS = 100_000;
    private static final int SAMPLE_EVERY = 100;

    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

    @Test
    void finishedSubscriptionsLeaveNothingOnALiveCtx() throws Exception {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofHours(1));
        long activeBefore = BridgeStats.active();

        List<WeakReference<Object>> sampled = new ArrayList<>();
        runSubscriptions(ctx, SUBSCRIPTIONS, sampled);

        assertThat(BridgeStats.active()).isEqualTo(activeBefore);
        assertThat(sampled).hasSize(SUBSCRIPTIONS / SAMPLE_EVERY);
        assertThat(collectedAll(sampled)).as("sampled subscribers are garbage").isTrue();
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
    void withTimeoutLeavesNoChildOnALiveParent() throws Exception {
        CancellableContext parent = Context.background().withTimeout(Duration.ofHours(1));
        List<WeakReference<Object>> probes = new ArrayList<>();
        List<Context> children = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            boolean sample = i % SAMPLE_EVERY == 0;
            boolean keep = i % 1_000 == 1;
            int kind = i;
            Flux<Integer> source = Flux.deferContextual(view -> {
                Context child = GoContext.from(view);
                Object probe = new Object();
                child.afterDone(probe::hashCode, Runnable::run); // reachable from the child while it is live
                if (sample) {
                    probes.add(new WeakReference<>(probe, collected));
                }
                if (keep) {
                    children.add(child);
                }
                return sourceFor(kind);
            });
            subscribe(GoContext.withTimeout(source, Duration.ofMinutes(30)).contextWrite(GoContext.with(parent)), i);
        }
        Mono.just(0).block(); // nothing pending

        assertThat(probes).hasSize(20_000 / SAMPLE_EVERY);
        assertThat(collectedAll(probes))
                .as("no child stays registered on the parent or on a timer")
                .isTrue();
        assertThat(children)
                .hasSize(20)
                .allSatisfy(child ->
                        assertThat(child.err()).as("canceled, not dropped").isNotNull());
        assertThat(parent.err()).isNull();
        parent.cancel();
    }

    @Test
    void controlTheCheckSeesRetention() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        List<WeakReference<Object>> sampled = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Object held = new Object();
            sampled.add(new WeakReference<>(held, collected));
            ctx.afterDone(held::hashCode); // registered and never stopped: the ctx keeps it
        }
        assertThat(collectedAll(sampled)).isFalse();
        ctx.cancel();
    }

    /** Ends subscriptions in turn by: fused completion, completion, error, downstream cancel. */
    private void runSubscriptions(Context ctx, int count, List<WeakReference<Object>> sampled) {
        for (int i = 0; i < count; i++) {
            boolean sample = i % SAMPLE_EVERY == 0;
            Flux<Integer> bound = GoContext.deadlineOf(sourceFor(i)).contextWrite(GoContext.with(ctx));
            bound.subscribe(new Ending(i) {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    if (sample) {
                        sampled.add(new WeakReference<>(subscription, collected)); // the bound subscriber
                    }
                    super.hookOnSubscribe(subscription);
                }
            });
        }
        Mono.just(0).block(); // nothing pending
    }

    private static void subscribe(Flux<Integer> flux, int i) {
        flux.subscribe(new Ending(i));
    }

    private static Flux<Integer> sourceFor(int i) {
        return switch (i % 4) {
            case 0 -> Flux.range(0, 3);
            case 1 -> Flux.range(0, 3).hide();
            case 2 -> Flux.error(new IllegalStateException());
            default -> Flux.never();
        };
    }

    /** Requests everything; the fourth kind of subscription is cancelled by its subscriber. */
    private static class Ending extends BaseSubscriber<Integer> {
        private final boolean cancel;

        Ending(int i) {
            this.cancel = i % 4 == 3;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            requestUnbounded();
            if (cancel) {
                cancel();
            }
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            // expected for the error case
        }
    }

    /**
     * Whether every referent became garbage: asks for a collection, then waits for the next
     * reference to be enqueued (an event, bounded), at most 20 times.
     */
    private boolean collectedAll(List<WeakReference<Object>> refs) throws InterruptedException {
        for (int attempt = 0; attempt < 20; attempt++) {
            System.gc();
            if (refs.stream().allMatch(r -> r.get() == null)) {
                return true;
            }
            collected.remove(100);
        }
        return refs.stream().allMatch(r -> r.get() == null);
    }
}
