package dev.gocontext.samples.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.h2.engine.Session;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.message.DbException;

/**
 * Java functions that the embedded H2 database runs as SQL functions ({@code schema.sql} creates
 * the aliases). They run inside the database, on the thread that executes the statement.
 *
 * <p>H2 stops a running statement cooperatively: {@link SessionLocal#cancel()} (what JDBC's {@code
 * Statement.cancel()} and {@code CANCEL_STATEMENT} call) and the session's {@code QUERY_TIMEOUT}
 * only mark the session, and the code executing the statement must check the mark. H2's own
 * operators check it between rows; {@link #sleepMs} checks it between its 5 ms steps.
 */
public final class H2Functions {
    /** How long {@link #sleepMs} sleeps between two cancellation checks. */
    static final long STEP_MS = 5;

    private H2Functions() {}

    /**
     * {@code SLEEP_MS(ms)}: occupies the statement for about {@code ms} milliseconds, and stops
     * within {@value #STEP_MS} ms when the statement is canceled or times out.
     *
     * @param connection the calling session (H2 passes it)
     * @param ms how long to run; negative counts as zero
     * @return {@code ms}
     * @throws DbException {@code 57014} "Statement was canceled or the session timed out"
     */
    public static long sleepMs(Connection connection, long ms) throws SQLException {
        SessionLocal session = sessionOf(connection);
        DbStatementStats.STATS.recordStarted();
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(Math.max(0, ms));
        try {
            for (long left = end - start; left > 0; left = end - System.nanoTime()) {
                session.checkCanceled();
                Thread.sleep(Math.min(STEP_MS, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            }
            session.checkCanceled();
        } catch (DbException canceled) {
            DbStatementStats.STATS.recordCanceled(session.getId(), ms, elapsedMs(start));
            throw canceled;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            DbStatementStats.STATS.recordCanceled(session.getId(), ms, elapsedMs(start));
            throw new SQLException("statement interrupted", "57014", interrupted);
        }
        DbStatementStats.STATS.recordCompleted();
        return ms;
    }

    /**
     * {@code CANCEL_STATEMENT(sessionId)}: cancels the statement that session {@code sessionId} is
     * running, as {@code Statement.cancel()} would on that session's connection. Needs admin rights.
     *
     * @return true if the session exists and was running a statement
     */
    public static boolean cancelStatement(Connection connection, int sessionId) {
        SessionLocal caller = sessionOf(connection);
        caller.getUser().checkAdmin();
        for (SessionLocal session : caller.getDatabase().getSessions(false)) {
            if (session.getId() == sessionId) {
                boolean running = session.getCurrentCommand() != null;
                session.cancel();
                return running;
            }
        }
        return false;
    }

    private static SessionLocal sessionOf(Connection connection) {
        Session session = ((JdbcConnection) connection).getSession();
        return (SessionLocal) session;
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
