package dev.gocontext.spring.boot;

import dev.gocontext.reactor.GoContextMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The bridge's subscription counts, read through {@link GoContextMetrics} bound to a registry of
 * its own (the counts have no other public reader). Reading sums a few striped counters.
 */
final class SubscriptionCounts {
    private static final String CANCELED = "gocontext.subscriptions.canceled";

    private final MeterRegistry registry = new SimpleMeterRegistry();

    SubscriptionCounts() {
        new GoContextMetrics().bindTo(registry);
    }

    /** Subscriptions bound by {@code deadlineOf} and not yet ended. */
    long active() {
        return (long) registry.get("gocontext.subscriptions.active").gauge().value();
    }

    /** Bound subscriptions disposed because their ctx was canceled. */
    long canceled() {
        return canceledBy("canceled");
    }

    /** Bound subscriptions disposed because their ctx's deadline passed. */
    long deadlineExceeded() {
        return canceledBy("deadline_exceeded");
    }

    private long canceledBy(String reason) {
        return (long)
                registry.get(CANCELED).tag("reason", reason).functionCounter().count();
    }
}
