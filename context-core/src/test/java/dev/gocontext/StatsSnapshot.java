package dev.gocontext;

/** A reading of {@link ContextStats#global()}, so tests can compare deltas, never absolute values. */
record StatsSnapshot(long created, long active, long canceled, long deadlineExceeded, long leaked) {
    static StatsSnapshot now() {
        ContextStats s = ContextStats.global();
        // done counters first, then created: a context finishing meanwhile never makes active negative
        long canceled = s.canceled();
        long deadlineExceeded = s.deadlineExceeded();
        long leaked = s.leaked();
        long created = s.created();
        return new StatsSnapshot(created, s.active(), canceled, deadlineExceeded, leaked);
    }

    /** The change since {@code before}. */
    StatsSnapshot minus(StatsSnapshot before) {
        return new StatsSnapshot(
                created - before.created,
                active - before.active,
                canceled - before.canceled,
                deadlineExceeded - before.deadlineExceeded,
                leaked - before.leaked);
    }
}
