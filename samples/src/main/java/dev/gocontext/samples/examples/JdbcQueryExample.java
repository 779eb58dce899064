package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.Registration;
import dev.gocontext.samples.db.DbStatementStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A blocking JDBC query on H2 bounded by the context. Guide ({@code docs/GUIDE.md}): chapter 9,
 * "Database and RPC deadlines".
 *
 * <p>Two guards: {@code statement.setQueryTimeout(...)} from the context's
 * remaining time (JDBC counts whole seconds, so it is the coarse, database-side guard), and {@code
 * ctx.afterDone(statement::cancel)}, which stops the statement the moment the context is done, by
 * its deadline or by a cancel. The statement is {@code SELECT SLEEP_MS(n)}, which runs {@code n} ms
 * inside the database and checks for cancellation every 5 ms. Three runs: a 50 ms query well within
 * its 5 s budget; a 2 s query under a 300 ms deadline; a 2 s query that the user gives up on 150 ms
 * after it started in the database. Key line: {@code deadline: query stopped after ~300 ms: context
 * deadline exceeded}.
 *
 * <pre>{@code ./demo.sh example jdbc}</pre>
 */
public final class JdbcQueryExample {
    private JdbcQueryExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws Exception {
        long canceledBefore = DbStatementStats.global().canceled();
        ExecutorService user = Executors.newSingleThreadExecutor();
        try (Connection connection = DriverManager.getConnection("jdbc:h2:mem:jdbc-example", "sa", "")) {
            createFunctions(connection);

            try (CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(5))) {
                attempt(out, "in time", ctx, connection, 50);
            }

            try (CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(300))) {
                attempt(out, "deadline", ctx, connection, 2_000);
            }
            try (CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(5))) {
                long startedBefore = DbStatementStats.global().started();
                user.execute(() -> giveUpOnceRunning(ctx, startedBefore, Duration.ofMillis(150)));
                attempt(out, "cancel", ctx, connection, 2_000);
            }
        } finally {
            user.shutdownNow();
        }
        out.println("statements canceled inside the database: "
                + (DbStatementStats.global().canceled() - canceledBefore));
    }

    private static void attempt(PrintStream out, String label, Context ctx, Connection connection, long sleepMs) {
        long start = System.nanoTime();
        try (Statement statement = connection.createStatement()) {
            long slept = queryLong(ctx, statement, "SELECT SLEEP_MS(" + sleepMs + ")");
            out.printf("%s: SLEEP_MS(%d) returned %d after %d ms%n", label, sleepMs, slept, elapsedMs(start));
        } catch (ContextException e) {
            out.printf("%s: query stopped after %d ms: %s%n", label, elapsedMs(start), e.getMessage());
        } catch (SQLException e) {
            out.printf("%s: query failed after %d ms: %s%n", label, elapsedMs(start), e.getMessage());
        }
    }

    /**
     * The user: cancels {@code ctx} once {@code patience} has passed since a statement started in
     * the database (waiting for that event, not guessing when it happens), unless {@code ctx} is
     * done before.
     */
    private static void giveUpOnceRunning(CancellableContext ctx, long startedBefore, Duration patience) {
        try {
            while (DbStatementStats.global().started() == startedBefore) {
                if (ctx.done().await(Duration.ofMillis(5))) {
                    return;
                }
            }
            if (!ctx.done().await(patience)) {
                ctx.cancel();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a query that returns one number, bounded by {@code ctx}.
     *
     * <p>JDBC's {@code cancel()} only reaches a statement that is running: if the context becomes
     * done after the check below but before the driver has started the statement, the cancel is
     * lost, and the query timeout is what stops the statement.
     *
     * @throws ContextException {@code ctx.err()} if the context is done before or during the query
     * @throws SQLException if the query fails for another reason
     */
    static long queryLong(Context ctx, Statement statement, String sql) throws SQLException {
        ContextException err = ctx.err();
        if (err != null) {
            throw err; // never start work for a context that is already done
        }
        // the database's own guard: JDBC's timeout is in whole seconds, so round up
        ctx.remaining()
                .ifPresent(left -> setQueryTimeout(statement, (int) Math.max(1, (left.toMillis() + 999) / 1000)));
        Registration cancelOnDone = ctx.afterDone(() -> cancel(statement));
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            err = ctx.err();
            if (err != null) {
                throw err; // the context says why better than "Statement was canceled"
            }
            throw e;
        } finally {
            cancelOnDone.stop(); // the query is over: the action must not cancel a later statement
        }
    }

    private static void setQueryTimeout(Statement statement, int seconds) {
        try {
            statement.setQueryTimeout(seconds);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set the query timeout", e);
        }
    }

    private static void cancel(Statement statement) {
        try {
            statement.cancel();
        } catch (SQLException e) {
            // the statement is closed already: nothing left to cancel
        }
    }

    /** Runs the service's {@code schema.sql}, which creates the {@code SLEEP_MS} function. */
    static void createFunctions(Connection connection) throws SQLException, IOException {
        String script;
        try (InputStream in = JdbcQueryExample.class.getResourceAsStream("/schema.sql")) {
            if (in == null) {
                throw new IOException("schema.sql is not on the class path");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Statement statement = connection.createStatement()) {
            for (String sql : script.replaceAll("(?m)^--.*$", "").split(";", -1)) {
                if (!sql.isBlank()) {
                    statement.execute(sql);
                }
            }
        }
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
