package dev.gocontext;

import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Process-wide counts of cancellable contexts, cheap to update and to read; {@code
 * context-reactor} exposes them as Micrometer meters.
 *
 * <pre>{@code
 * ContextStats stats = ContextStats.global();
 * System.out.printf("active=%d leaked=%d%n", stats.active(), stats.leaked());
 * }</pre>
 *
 * <p>A context is counted as done by the error it ends with: a child of a parent whose deadline
 * passed is counted in {@link #deadlineExceeded()}, like the parent. So {@code created() ==
 * active() + canceled() + deadlineExceeded()} at any quiet moment. A leaked context is never done,
 * so it stays in {@link #active()}.
 */
public final class ContextStats {
    private static final ContextStats GLOBAL = new ContextStats();

    // Striped counters: contexts are created and canceled on many threads at once.
    private final LongAdder created = new LongAdder();
    private final LongAdder canceled = new LongAdder();
    private final LongAdder deadlineExceeded = new LongAdder();
    private final LongAdder leaked = new LongAdder();

    private ContextStats() {}

    /** The statistics of this process (of this class loader, strictly). */
    public static ContextStats global() {
        return GLOBAL;
    }

    /** Cancellable contexts created ({@code withCancel}, {@code withDeadline}, {@code withTimeout}). */
    public long created() {
        return created.sum();
    }

    /** Contexts created and not yet done. */
    public long active() {
        // read the done counters first, so a concurrent completion never makes this negative
        long done = canceled.sum() + deadlineExceeded.sum();
        return Math.max(0, created.sum() - done);
    }

    /** Contexts done with {@link Context#CANCELED}: canceled, or by a canceled parent. */
    public long canceled() {
        return canceled.sum();
    }

    /** Contexts done with {@link Context#DEADLINE_EXCEEDED}: their deadline, or a parent's, passed. */
    public long deadlineExceeded() {
        return deadlineExceeded.sum();
    }

    /** Leaks detected; see {@link LeakDetection}. */
    public long leaked() {
        return leaked.sum();
    }

    @Override
    public String toString() {
        return "ContextStats[created=" + created() + ", active=" + active() + ", canceled=" + canceled()
                + ", deadlineExceeded=" + deadlineExceeded() + ", leaked=" + leaked() + "]";
    }

    static void recordCreated() {
        GLOBAL.created.increment();
    }

    static void recordDone(@Nullable ContextException err) {
        (err == Context.DEADLINE_EXCEEDED ? GLOBAL.deadlineExceeded : GLOBAL.canceled).increment();
    }

    static void recordLeak() {
        GLOBAL.leaked.increment();
    }
}
