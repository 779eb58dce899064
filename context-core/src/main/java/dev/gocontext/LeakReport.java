package dev.gocontext;

import java.time.Instant;
import java.util.List;

/**
 * One leak that {@link LeakDetection} found: a cancellable context dropped without {@code
 * cancel()}. It holds copies (the context's name, the frames of its creation), never the context
 * itself: keeping reports keeps nothing of the leaked context alive. Immutable.
 *
 * <pre>{@code
 * for (LeakReport leak : LeakDetection.recentLeaks()) {
 *     log.warn("{} leaked at {}", leak.context(),
 *             leak.creationSite().isEmpty() ? "(run at PARANOID to see)" : leak.creationSite().get(0));
 * }
 * }</pre>
 */
public final class LeakReport {
    private final String context;
    private final Instant detected;
    private final List<StackTraceElement> creationSite;

    LeakReport(String context, Instant detected, List<StackTraceElement> creationSite) {
        this.context = context;
        this.detected = detected;
        this.creationSite = List.copyOf(creationSite);
    }

    /**
     * The leaked context's name, as its {@code toString()} gives it ({@code
     * context.Background.WithValue(user, alice).WithCancel}); a very long name is cut to its end,
     * after {@code "…"}.
     */
    public String context() {
        return context;
    }

    /** When the leak was detected (the garbage collector found the handle unreachable), on the system clock. */
    public Instant detected() {
        return detected;
    }

    /**
     * Where the context was created, innermost call first, starting at the caller of {@code
     * withCancel}, {@code withDeadline} or {@code withTimeout}; empty unless the context was created
     * while the level was {@link LeakDetection.Level#PARANOID}.
     */
    public List<StackTraceElement> creationSite() {
        return creationSite;
    }

    @Override
    public String toString() {
        String where = creationSite.isEmpty() ? "" : " created at " + creationSite.get(0);
        return "LeakReport[" + context + where + ", detected " + detected + "]";
    }
}
