package dev.gocontext.samples.db;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.h2.command.Command;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.message.DbException;

/**
 * {@code SLEEP_MS(ms)}: a Java function that the embedded H2 database runs as an SQL function
 * ({@code schema.sql} creates the alias), inside the database, on the thread that executes the
 * statement.
 *
 * <p>H2 stops a running statement cooperatively. JDBC's {@code Statement.cancel()} and the SQL
 * function {@code CANCEL_SESSION(id)} (what an R2DBC caller uses: R2DBC has no cancel call) mark
 * the session's current command; the session's {@code QUERY_TIMEOUT} marks the session. The code
 * executing the statement must check the marks: H2's operators check them between rows ({@code
 * Prepared.checkCanceled()}), and this function checks them, in the same way, between its 5 ms
 * steps.
 */
public final class H2Functions {
    /** How long {@link #sleepMs} sleeps between two cancellation checks. */
    static final long STEP_MS = 5;

    /**
     * H2's {@code Command.checkCanceled()}: throws {@code 57014} once the command was canceled. It
     * is protected; H2's own operators reach it through {@code Prepared.checkCanceled()}, which a
     * function cannot reach, so it is called through a method handle.
     */
    private static final MethodHandle COMMAND_CHECK_CANCELED = commandCheckCanceled();

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
        SessionLocal session = (SessionLocal) ((JdbcConnection) connection).getSession();
        DbStatementStats.STATS.recordStarted();
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(Math.max(0, ms));
        try {
            for (long left = end - start; left > 0; left = end - System.nanoTime()) {
                checkCanceled(session);
                Thread.sleep(Math.min(STEP_MS, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            }
            checkCanceled(session);
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

    /** What H2's {@code Prepared.checkCanceled()} does: the session's timeout, then the command's cancel. */
    private static void checkCanceled(SessionLocal session) {
        session.checkCanceled();
        Command command = session.getCurrentCommand();
        if (command != null) {
            try {
                COMMAND_CHECK_CANCELED.invokeExact(command);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static MethodHandle commandCheckCanceled() {
        try {
            return MethodHandles.privateLookupIn(Command.class, MethodHandles.lookup())
                    .findVirtual(Command.class, "checkCanceled", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
