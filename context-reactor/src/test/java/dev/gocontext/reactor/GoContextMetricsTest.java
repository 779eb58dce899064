package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/** {@link GoContextMetrics}: exactly the meters of the API, with the values they stand for. */
class GoContextMetricsTest {

    @Test
    void bindsExactlyTheDocumentedMeters() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new GoContextMetrics().bindTo(registry);
        List<String> meters = registry.getMeters().stream()
                .map(m -> m.getId().getType() + " " + m.getId().getName() + tagsOf(m))
                .sorted()
                .collect(Collectors.toList());
        assertThat(meters)
                .containsExactly(
                        "COUNTER gocontext.contexts.created",
                        "COUNTER gocontext.contexts.done reason=canceled",
                        "COUNTER gocontext.contexts.done reason=deadline_exceeded",
                        "COUNTER gocontext.leaks",
                        "COUNTER gocontext.subscriptions.canceled reason=canceled",
                        "COUNTER gocontext.subscriptions.canceled reason=deadline_exceeded",
                        "GAUGE gocontext.contexts.active",
                        "GAUGE gocontext.subscriptions.active");
    }

    @Test
    void bindingTwiceKeepsOneMeterEach() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new GoContextMetrics().bindTo(registry);
        new GoContextMetrics().bindTo(registry);
        assertThat(registry.getMeters()).hasSize(8);
    }

    @Test
    void extraTagsGoOnEveryMeter() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new GoContextMetrics(Tags.of("app", "demo")).bindTo(registry);
        assertThat(registry.getMeters())
                .allSatisfy(m -> assertThat(m.getId().getTag("app")).isEqualTo("demo"));
    }

    @Test
    void contextMetersReadContextStats() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new GoContextMetrics().bindTo(registry);
        ContextStats stats = ContextStats.global();
        double created = counter(registry, "gocontext.contexts.created", null);
        double canceled = counter(registry, "gocontext.contexts.done", "canceled");
        CancellableContext ctx = Context.background().withCancel();
        assertThat(counter(registry, "gocontext.contexts.created", null)).isEqualTo(created + 1);
        ctx.cancel();
        assertThat(counter(registry, "gocontext.contexts.done", "canceled")).isEqualTo(canceled + 1);
        assertThat(registry.get("gocontext.contexts.active").gauge().value()).isEqualTo(stats.active());
        assertThat(counter(registry, "gocontext.contexts.done", "deadline_exceeded"))
                .isEqualTo(stats.deadlineExceeded());
        assertThat(counter(registry, "gocontext.leaks", null)).isEqualTo(stats.leaked());
    }

    @Test
    void subscriptionMetersCountBoundSubscriptionsAndWhyTheyWereDisposed() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new GoContextMetrics().bindTo(registry);
        Gauge active = registry.get("gocontext.subscriptions.active").gauge();
        double activeBefore = active.value();
        double byCancel = counter(registry, "gocontext.subscriptions.canceled", "canceled");
        double byDeadline = counter(registry, "gocontext.subscriptions.canceled", "deadline_exceeded");

        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<Integer> source = TestPublisher.create();
        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .then(() -> assertThat(active.value()).isEqualTo(activeBefore + 1))
                .then(ctx::cancel)
                .expectError()
                .verify(Duration.ofSeconds(5));
        assertThat(active.value()).isEqualTo(activeBefore);
        assertThat(counter(registry, "gocontext.subscriptions.canceled", "canceled"))
                .isEqualTo(byCancel + 1);

        // a deadline fired by Reactor's timer (virtual time): deadline_exceeded
        StepVerifier.withVirtualTime(() -> GoContext.deadlineOf(Flux.never())
                        .contextWrite(GoContext.with(Context.background().withTimeout(Duration.ofSeconds(1)))))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectError()
                .verify(Duration.ofSeconds(5));
        assertThat(counter(registry, "gocontext.subscriptions.canceled", "deadline_exceeded"))
                .isEqualTo(byDeadline + 1);

        // normal endings and unbound subscriptions are not counted as canceled
        try (CancellableContext live = Context.background().withCancel()) {
            GoContext.deadlineOf(Flux.range(0, 10))
                    .contextWrite(GoContext.with(live))
                    .blockLast();
        }
        GoContext.deadlineOf(Flux.range(0, 10)).blockLast();
        assertThat(counter(registry, "gocontext.subscriptions.canceled", "canceled"))
                .isEqualTo(byCancel + 1);
        assertThat(active.value()).isEqualTo(activeBefore);
    }

    private static double counter(MeterRegistry registry, String name, String reason) {
        FunctionCounter counter = reason == null
                ? registry.get(name).functionCounter()
                : registry.get(name).tag("reason", reason).functionCounter();
        return counter.count();
    }

    private static String tagsOf(Meter meter) {
        return meter.getId().getTags().stream()
                .map(t -> " " + t.getKey() + "=" + t.getValue())
                .collect(Collectors.joining());
    }
}
