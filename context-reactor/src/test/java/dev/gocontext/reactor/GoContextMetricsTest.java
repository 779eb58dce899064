package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextStats;
import dev.gocontext.TimeSource;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
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
    void aBinderWithOtherTagsIsNotSkipped() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new GoContextMetrics(Tags.of("app", "a")).bindTo(registry);
        new GoContextMetrics().bindTo(registry); // its tags are a subset of the first binder's
        new GoContextMetrics(Tags.of("app", "b")).bindTo(registry);
        new GoContextMetrics(Tags.of("app", "a")).bindTo(registry); // the same again: nothing new
        assertThat(registry.getMeters()).hasSize(3 * 8);
        assertThat(registry.find("gocontext.contexts.created").functionCounters())
                .extracting(c -> c.getId().getTag("app"))
                .containsExactlyInAnyOrder("a", null, "b");
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
        // The statistics are process-wide: other tests' contexts may end at any moment (their
        // timers, the leak reaper). Each meter is compared with what it reads at a moment when that
        // statistic stood still around the read.
        assertReads(() -> counter(registry, "gocontext.contexts.created", null), stats::created);
        assertReads(() -> registry.get("gocontext.contexts.active").gauge().value(), stats::active);
        assertReads(() -> counter(registry, "gocontext.contexts.done", "canceled"), stats::canceled);
        assertReads(() -> counter(registry, "gocontext.contexts.done", "deadline_exceeded"), stats::deadlineExceeded);
        assertReads(() -> counter(registry, "gocontext.leaks", null), stats::leaked);

        // ... and they move with this test's own contexts
        double created = counter(registry, "gocontext.contexts.created", null);
        double canceled = counter(registry, "gocontext.contexts.done", "canceled");
        CancellableContext ctx = Context.background().withCancel();
        assertThat(counter(registry, "gocontext.contexts.created", null)).isGreaterThanOrEqualTo(created + 1);
        ctx.cancel();
        assertThat(counter(registry, "gocontext.contexts.done", "canceled")).isGreaterThanOrEqualTo(canceled + 1);
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
                .verify(Duration.ofSeconds(10));
        assertThat(active.value()).isEqualTo(activeBefore);
        assertThat(counter(registry, "gocontext.subscriptions.canceled", "canceled"))
                .isEqualTo(byCancel + 1);

        // a deadline fired by Reactor's timer (virtual time): deadline_exceeded. The ctx is on a
        // clock that never moves by itself, so nothing of it expires later, during other tests.
        CancellableContext expiring = Context.background()
                .withTimeSource(TimeSource.manual(Instant.EPOCH))
                .withTimeout(Duration.ofSeconds(1));
        StepVerifier.withVirtualTime(() -> GoContext.deadlineOf(Flux.never()).contextWrite(GoContext.with(expiring)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectError()
                .verify(Duration.ofSeconds(10));
        expiring.cancel();
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

    /** Asserts that {@code meter} reads {@code stat}, at a moment when {@code stat} stood still. */
    private static void assertReads(DoubleSupplier meter, LongSupplier stat) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            long before = stat.getAsLong();
            double read = meter.getAsDouble();
            if (stat.getAsLong() == before) {
                assertThat(read).isEqualTo((double) before);
                return;
            }
        }
        throw new AssertionError("the statistic never stood still during one read of its meter");
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
