package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/** {@link GoContext#subscriptionStats()}: a snapshot of the bound subscriptions, the meters' numbers. */
class SubscriptionStatsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void countsBoundSubscriptionsAndWhyTheyWereDisposed() {
        SubscriptionStats before = GoContext.subscriptionStats();

        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<Integer> source = TestPublisher.create();
        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .then(() -> {
                    SubscriptionStats during = GoContext.subscriptionStats();
                    assertThat(during.bound()).isEqualTo(before.bound() + 1);
                    assertThat(during.active()).isEqualTo(before.active() + 1);
                })
                .then(ctx::cancel)
                .expectError()
                .verify(WAIT);
        SubscriptionStats afterCancel = GoContext.subscriptionStats();
        assertThat(afterCancel.active()).isEqualTo(before.active());
        assertThat(afterCancel.canceled()).isEqualTo(before.canceled() + 1);
        assertThat(afterCancel.deadlineExceeded()).isEqualTo(before.deadlineExceeded());

        // a deadline fired by Reactor's timer (virtual time), on a clock that never moves by itself
        CancellableContext expiring = Context.background()
                .withTimeSource(TimeSource.manual(Instant.EPOCH))
                .withTimeout(Duration.ofSeconds(1));
        StepVerifier.withVirtualTime(() -> GoContext.deadlineOf(Flux.never()).contextWrite(GoContext.with(expiring)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectError()
                .verify(WAIT);
        expiring.cancel();

        // a normal end is bound but not disposed; a subscription without a ctx is not bound at all
        try (CancellableContext live = Context.background().withCancel()) {
            GoContext.deadlineOf(Flux.range(0, 10))
                    .contextWrite(GoContext.with(live))
                    .blockLast(WAIT);
        }
        GoContext.deadlineOf(Flux.range(0, 10)).blockLast(WAIT);

        SubscriptionStats after = GoContext.subscriptionStats();
        assertThat(after.bound()).isEqualTo(before.bound() + 3);
        assertThat(after.active()).isEqualTo(before.active());
        assertThat(after.canceled()).isEqualTo(before.canceled() + 1);
        assertThat(after.deadlineExceeded()).isEqualTo(before.deadlineExceeded() + 1);
        assertThat(after)
                .hasToString("SubscriptionStats[bound=" + after.bound() + ", active=" + after.active() + ", canceled="
                        + after.canceled() + ", deadlineExceeded=" + after.deadlineExceeded() + "]");
    }

    /** A snapshot keeps its numbers; a new one reads the counters again. */
    @Test
    void aSnapshotDoesNotMove() {
        SubscriptionStats snapshot = GoContext.subscriptionStats();
        long bound = snapshot.bound();
        long canceled = snapshot.canceled();
        try (CancellableContext live = Context.background().withCancel()) {
            GoContext.deadlineOf(Flux.never())
                    .contextWrite(GoContext.with(live))
                    .subscribe(v -> {}, e -> {});
        } // canceled: the subscription is disposed
        assertThat(snapshot.bound()).isEqualTo(bound);
        assertThat(snapshot.canceled()).isEqualTo(canceled);
        assertThat(GoContext.subscriptionStats().bound()).isGreaterThan(bound);
        assertThat(GoContext.subscriptionStats().canceled()).isGreaterThan(canceled);
    }

    /** The snapshot and the meters of {@link GoContextMetrics} read the same counters. */
    @Test
    void theMetersReadTheSameNumbers() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new GoContextMetrics().bindTo(registry);
        // counters only grow: a snapshot taken between two reads of a meter lies between them
        double canceledBefore = canceledMeter(registry, "canceled");
        double deadlineBefore = canceledMeter(registry, "deadline_exceeded");
        SubscriptionStats stats = GoContext.subscriptionStats();
        assertThat((double) stats.canceled()).isBetween(canceledBefore, canceledMeter(registry, "canceled"));
        assertThat((double) stats.deadlineExceeded())
                .isBetween(deadlineBefore, canceledMeter(registry, "deadline_exceeded"));
    }

    private static double canceledMeter(MeterRegistry registry, String reason) {
        return registry.get("gocontext.subscriptions.canceled")
                .tag("reason", reason)
                .functionCounter()
                .count();
    }
}
