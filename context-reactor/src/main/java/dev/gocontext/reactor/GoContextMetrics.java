package dev.gocontext.reactor;

import dev.gocontext.ContextStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for gocontext: the process-wide {@link ContextStats} and the subscriptions that
 * {@link GoContext#deadlineOf} binds.
 *
 * <pre>{@code
 * MeterRegistry registry = new SimpleMeterRegistry();
 * new GoContextMetrics().bindTo(registry);   // with Spring Boot: declare it as a @Bean
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code gocontext.contexts.created}</td><td>function counter</td>
 *       <td>cancellable contexts created</td></tr>
 *   <tr><td>{@code gocontext.contexts.active}</td><td>gauge</td>
 *       <td>contexts created and not yet done</td></tr>
 *   <tr><td>{@code gocontext.contexts.done}</td><td>function counter, tag {@code reason} =
 *       {@code canceled} / {@code deadline_exceeded}</td><td>contexts done, by reason</td></tr>
 *   <tr><td>{@code gocontext.leaks}</td><td>function counter</td>
 *       <td>cancellable contexts dropped without cancel (see {@code LeakDetection})</td></tr>
 *   <tr><td>{@code gocontext.subscriptions.active}</td><td>gauge</td>
 *       <td>subscriptions bound by {@code deadlineOf} and not yet ended</td></tr>
 *   <tr><td>{@code gocontext.subscriptions.canceled}</td><td>function counter, tag {@code reason}
 *       = {@code canceled} / {@code deadline_exceeded}</td><td>bound subscriptions disposed because
 *       their ctx became done (a deadline fired by Reactor's timer counts as {@code
 *       deadline_exceeded})</td></tr>
 * </table>
 *
 * <p>Every meter reads striped counters that are updated anyway; reading them sums a few cells.
 * Binding to a registry that has the meters with the same tags already does nothing; a binder with
 * other tags (say, one per application in a shared registry) adds its own set.
 */
public final class GoContextMetrics implements MeterBinder {
    private static final String CREATED = "gocontext.contexts.created";
    private static final String REASON = "reason";
    private static final String CANCELED = "canceled";
    private static final String DEADLINE_EXCEEDED = "deadline_exceeded";

    private final Tags tags;

    /** Meters without extra tags. */
    public GoContextMetrics() {
        this(Tags.empty());
    }

    /**
     * Meters with {@code tags} added to each.
     *
     * @throws NullPointerException if {@code tags} is null
     */
    public GoContextMetrics(Iterable<Tag> tags) {
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        // No "bound already?" check: a registry keeps one meter per name and exact tags, and
        // registering it again returns that meter, so binding twice with the same tags adds
        // nothing, and a binder with other tags (fewer included) gets meters of its own.
        ContextStats stats = ContextStats.global(); // a static singleton: the weak references hold
        counter(registry, CREATED, stats, ContextStats::created, Tags.empty(), "Cancellable contexts created");
        Gauge.builder("gocontext.contexts.active", stats, ContextStats::active)
                .tags(tags)
                .description("Cancellable contexts created and not yet done")
                .register(registry);
        counter(
                registry,
                "gocontext.contexts.done",
                stats,
                ContextStats::canceled,
                Tags.of(REASON, CANCELED),
                "Contexts done, by reason");
        counter(
                registry,
                "gocontext.contexts.done",
                stats,
                ContextStats::deadlineExceeded,
                Tags.of(REASON, DEADLINE_EXCEEDED),
                "Contexts done, by reason");
        counter(
                registry,
                "gocontext.leaks",
                stats,
                ContextStats::leaked,
                Tags.empty(),
                "Cancellable contexts that became unreachable without being canceled");
        Gauge.builder("gocontext.subscriptions.active", stats, s -> BridgeStats.active())
                .tags(tags)
                .description("Subscriptions bound by deadlineOf and not yet ended")
                .register(registry);
        counter(
                registry,
                "gocontext.subscriptions.canceled",
                stats,
                s -> BridgeStats.canceledByCancel(),
                Tags.of(REASON, CANCELED),
                "Bound subscriptions disposed because their context became done");
        counter(
                registry,
                "gocontext.subscriptions.canceled",
                stats,
                s -> BridgeStats.canceledByDeadline(),
                Tags.of(REASON, DEADLINE_EXCEEDED),
                "Bound subscriptions disposed because their context became done");
    }

    private void counter(
            MeterRegistry registry,
            String name,
            ContextStats stats,
            ToDoubleFunction<ContextStats> read,
            Tags extra,
            String description) {
        FunctionCounter.builder(name, stats, read)
                .tags(tags.and(extra))
                .description(description)
                .register(registry);
    }
}
