package dev.gocontext;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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

    // The counters, striped: contexts are created and canceled on many threads at once. A thread
    // adds to the stripe its id picks (atomically: two threads may share one), and a read sums
    // the stripes. Each stripe is 128 bytes of the one array, which leaves a stripe of padding
    // before the first; so the memory a thread writes per context shares no cache line with
    // another stripe, the array's header or any other object.
    //
    // Why not a LongAdder per counter, as before: with them, two threads each deriving from a
    // parent of their own (SharedParentBench.oursOwnParents) ran at 16 to 36 operations per µs
    // from one second to the next, and at a steady 29 to 38 with this array. The likely reason:
    // an update read three small objects (this one, the LongAdder and its cell array) that the
    // collector places where it likes, so one could share a cache line with memory that another
    // thread writes per operation. Here the array and its length are constants.
    private static final int STRIPES = CancelNode.STRIPES;
    private static final int STRIDE = 16; // longs per stripe: 128 bytes, two cache lines
    private static final int CREATED = 0;
    private static final int CANCELED = 1;
    private static final int DEADLINE_EXCEEDED = 2;
    private static final int LEAKED = 3;
    private static final long[] COUNTS = new long[(STRIPES + 1) * STRIDE];
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    private ContextStats() {}

    /** The statistics of this process (of this class loader, strictly). */
    public static ContextStats global() {
        return GLOBAL;
    }

    /** Cancellable contexts created ({@code withCancel}, {@code withDeadline}, {@code withTimeout}). */
    public long created() {
        return sum(CREATED);
    }

    /** Contexts created and not yet done. */
    public long active() {
        // read the done counters first, so a concurrent completion never makes this negative
        long done = sum(CANCELED) + sum(DEADLINE_EXCEEDED);
        return Math.max(0, sum(CREATED) - done);
    }

    /** Contexts done with {@link Context#CANCELED}: canceled, or by a canceled parent. */
    public long canceled() {
        return sum(CANCELED);
    }

    /** Contexts done with {@link Context#DEADLINE_EXCEEDED}: their deadline, or a parent's, passed. */
    public long deadlineExceeded() {
        return sum(DEADLINE_EXCEEDED);
    }

    /** Leaks detected; see {@link LeakDetection}. */
    public long leaked() {
        return sum(LEAKED);
    }

    @Override
    public String toString() {
        return "ContextStats[created=" + created() + ", active=" + active() + ", canceled=" + canceled()
                + ", deadlineExceeded=" + deadlineExceeded() + ", leaked=" + leaked() + "]";
    }

    static void recordCreated() {
        add(CREATED);
    }

    static void recordDone(@Nullable ContextException err) {
        add(err == Context.DEADLINE_EXCEEDED ? DEADLINE_EXCEEDED : CANCELED);
    }

    static void recordLeak() {
        add(LEAKED);
    }

    private static void add(int counter) {
        COUNT.getAndAdd(COUNTS, slot(CancelNode.homeStripe(), counter), 1L);
    }

    private static long sum(int counter) {
        long sum = 0;
        for (int stripe = 0; stripe < STRIPES; stripe++) {
            sum += (long) COUNT.getVolatile(COUNTS, slot(stripe, counter));
        }
        return sum;
    }

    /** Where {@code counter} of {@code stripe} is in {@link #COUNTS}: after the stripe of padding. */
    private static int slot(int stripe, int counter) {
        return (stripe + 1) * STRIDE + counter;
    }
}
