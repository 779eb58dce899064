package dev.gocontext.reactor;

import dev.gocontext.Context;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bridge's own counters of subscriptions bound by {@link GoContext#deadlineOf}, read by {@link
 * GoContextMetrics} and {@link SubscriptionStats}. Striped adders: subscriptions start and end on many threads at once, and a
 * bound subscription must cost two uncontended increments at most.
 */
final class BridgeStats {
    private static final LongAdder BOUND = new LongAdder();
    private static final LongAdder ENDED = new LongAdder();
    private static final LongAdder CANCELED_BY_CANCEL = new LongAdder();
    private static final LongAdder CANCELED_BY_DEADLINE = new LongAdder();

    private BridgeStats() {}

    static void bound() {
        BOUND.increment();
    }

    static void ended() {
        ENDED.increment();
    }

    /** A bound subscription was disposed because its ctx (or its deadline) said so. */
    static void disposedBy(Throwable error) {
        (error == Context.DEADLINE_EXCEEDED ? CANCELED_BY_DEADLINE : CANCELED_BY_CANCEL).increment();
    }

    /** Subscriptions bound and not yet ended; never negative. */
    static long active() {
        // read the ended counter first, so a concurrent end never makes this negative
        long ended = ENDED.sum();
        return Math.max(0, BOUND.sum() - ended);
    }

    /** Subscriptions bound so far. */
    static long boundTotal() {
        return BOUND.sum();
    }

    static long canceledByCancel() {
        return CANCELED_BY_CANCEL.sum();
    }

    static long canceledByDeadline() {
        return CANCELED_BY_DEADLINE.sum();
    }
}
