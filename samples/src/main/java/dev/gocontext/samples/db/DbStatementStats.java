package dev.gocontext.samples.db;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts of {@code SLEEP_MS} statements as the database saw them: started, completed, and
 * canceled inside the database (by a cancel request or the session's query timeout). Process-wide,
 * because the database is embedded in this process; {@link DbMetrics} exposes them as meters.
 */
public final class DbStatementStats {
    static final DbStatementStats STATS = new DbStatementStats();
    private static final Logger log = LoggerFactory.getLogger(DbStatementStats.class);

    // Striped counters, updated by the database threads that run the statements.
    private final LongAdder started = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder canceled = new LongAdder();

    private DbStatementStats() {}

    /** The counts of this process. */
    public static DbStatementStats global() {
        return STATS;
    }

    /** Statements that started running. */
    public long started() {
        return started.sum();
    }

    /** Statements that ran to the end. */
    public long completed() {
        return completed.sum();
    }

    /** Statements the database stopped because they were canceled or timed out. */
    public long canceled() {
        return canceled.sum();
    }

    /** Statements running now. */
    public long running() {
        // read the end counters first, so a concurrent end never makes this negative
        long ended = completed.sum() + canceled.sum();
        return Math.max(0, started.sum() - ended);
    }

    void recordStarted() {
        started.increment();
    }

    void recordCompleted() {
        completed.increment();
    }

    void recordCanceled(int sessionId, long requestedMs, long elapsedMs) {
        canceled.increment();
        log.info(
                "statement canceled in the database: session {} stopped SLEEP_MS({}) after {} ms",
                sessionId,
                requestedMs,
                elapsedMs);
    }

    @Override
    public String toString() {
        return "DbStatementStats[started=" + started() + ", completed=" + completed() + ", canceled=" + canceled()
                + ", running=" + running() + "]";
    }
}
