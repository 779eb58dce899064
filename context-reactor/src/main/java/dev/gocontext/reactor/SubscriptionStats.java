package dev.gocontext.reactor;

/**
 * The counts of subscriptions bound by {@link GoContext#deadlineOf} (and by the operators built on
 * it: {@code withTimeout}, {@code withDeadline}, the server adapters), read at one moment: what
 * {@link GoContextMetrics} exposes as {@code gocontext.subscriptions.*}, for code that wants the
 * numbers without a meter registry. Immutable.
 *
 * <pre>{@code
 * SubscriptionStats stats = GoContext.subscriptionStats();
 * System.out.printf("bound=%d active=%d deadlineExceeded=%d%n",
 *         stats.bound(), stats.active(), stats.deadlineExceeded());
 * }</pre>
 *
 * <p>Each count is read from its own striped counter, so a snapshot taken while subscriptions
 * start and end is not one instant of all of them; at a quiet moment, {@code bound() - active()}
 * is the number of bound subscriptions that have ended, those disposed by their ctx included.
 */
public final class SubscriptionStats {
    private final long bound;
    private final long active;
    private final long canceled;
    private final long deadlineExceeded;

    private SubscriptionStats(long bound, long active, long canceled, long deadlineExceeded) {
        this.bound = bound;
        this.active = active;
        this.canceled = canceled;
        this.deadlineExceeded = deadlineExceeded;
    }

    /** The counts now; {@link GoContext#subscriptionStats()} is the public way to get them. */
    static SubscriptionStats now() {
        // active() reads the ended counter before the bound one, so it is never negative
        long active = BridgeStats.active();
        return new SubscriptionStats(
                BridgeStats.boundTotal(), active, BridgeStats.canceledByCancel(), BridgeStats.canceledByDeadline());
    }

    /** Subscriptions bound to a ctx since the start (of this class loader). */
    public long bound() {
        return bound;
    }

    /** Subscriptions bound and not yet ended. */
    public long active() {
        return active;
    }

    /**
     * Bound subscriptions disposed because their ctx was canceled (by its cancel, or a parent's);
     * {@code gocontext.subscriptions.canceled{reason=canceled}}.
     */
    public long canceled() {
        return canceled;
    }

    /**
     * Bound subscriptions disposed because their ctx's deadline passed (also when Reactor's timer
     * fired it); {@code gocontext.subscriptions.canceled{reason=deadline_exceeded}}.
     */
    public long deadlineExceeded() {
        return deadlineExceeded;
    }

    @Override
    public String toString() {
        return "SubscriptionStats[bound=" + bound + ", active=" + active + ", canceled=" + canceled
                + ", deadlineExceeded=" + deadlineExceeded + "]";
    }
}
