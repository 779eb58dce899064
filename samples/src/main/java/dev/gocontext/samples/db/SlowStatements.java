package dev.gocontext.samples.db;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs {@code SLEEP_MS} statements on H2 through R2DBC, so that the database honours the caller's
 * context in two ways:
 *
 * <ul>
 *   <li>the session's {@code QUERY_TIMEOUT} is set from the context's remaining time, so the
 *       database itself stops the statement at the deadline;
 *   <li>disposing the subscription (the context is canceled, its deadline passes, or the HTTP
 *       client goes away) sends H2's {@code CANCEL_SESSION(sessionId)} on a second connection, as
 *       drivers of server databases send a cancel request, and the statement stops within 5 ms.
 * </ul>
 *
 * <p>Each call uses its own connection (an H2 session), closed when the call ends in any way. H2's
 * R2DBC driver executes statements on the subscribing thread, blocking it, so every call runs on
 * {@link Schedulers#boundedElastic()}, never on an event loop.
 *
 * <pre>{@code
 * slowStatements.sleep(ctx, Duration.ofMillis(300))   // Mono<SleepResult>
 *         .subscribe(r -> log.info("session {} slept {} ms", r.sessionId(), r.sleptMs()));
 * }</pre>
 */
public final class SlowStatements {
    private static final Logger log = LoggerFactory.getLogger(SlowStatements.class);

    private final ConnectionFactory connections;
    private final Scheduler blocking;

    /** Statements on {@code connections}, run on {@link Schedulers#boundedElastic()}. */
    public SlowStatements(ConnectionFactory connections) {
        this(connections, Schedulers.boundedElastic());
    }

    SlowStatements(ConnectionFactory connections, Scheduler blocking) {
        this.connections = connections;
        this.blocking = blocking;
    }

    /**
     * A statement that runs {@code duration} inside the database, bounded by {@code ctx}'s
     * deadline. Cancelling the returned {@code Mono} cancels the statement in the database.
     *
     * @return the statement's result; an error if the database stopped it (when {@code ctx} is
     *     done by then, the error is {@code ctx.err()})
     */
    public Mono<SleepResult> sleep(Context ctx, Duration duration) {
        ContextException err = ctx.err();
        if (err != null) {
            return Mono.error(err); // never start a statement for a context that is already done
        }
        return Mono.defer(() -> {
            long started = System.nanoTime();
            AtomicBoolean cancelled = new AtomicBoolean();
            return Mono.usingWhen(
                            Mono.from(connections.create()),
                            connection -> sleepOn(connection, ctx, duration, started),
                            this::close,
                            (connection, error) -> close(connection),
                            this::close)
                    // After a cancel nobody listens: the statement's "canceled" error (or a closed
                    // session's) is not passed on, nor anything in its place.
                    .onErrorResume(error -> cancelled.get(), error -> Mono.never())
                    .onErrorMap(error -> contextErrorOr(ctx, error))
                    .subscribeOn(blocking)
                    .doOnCancel(() -> cancelled.set(true));
        });
    }

    private Mono<SleepResult> sleepOn(Connection connection, Context ctx, Duration duration, long started) {
        return single(connection, "SELECT SESSION_ID()", Integer.class)
                .flatMap(sessionId -> setQueryTimeout(connection, ctx)
                        .then(sleepStatement(connection, duration))
                        .map(slept -> new SleepResult(sessionId, slept, elapsedMs(started)))
                        .doOnCancel(() -> cancelInDatabase(sessionId)));
    }

    /** QUERY_TIMEOUT: the database's own deadline for the statements of this session (0: none). */
    private Mono<Void> setQueryTimeout(Connection connection, Context ctx) {
        long timeoutMs =
                ctx.remaining().map(left -> Math.max(1, left.toMillis())).orElse(0L);
        return Mono.from(connection
                        .createStatement("SET QUERY_TIMEOUT " + timeoutMs)
                        .execute())
                .flatMap(result -> Mono.from(result.getRowsUpdated()))
                .then();
    }

    private void cancelInDatabase(int sessionId) {
        Mono.usingWhen(
                        Mono.from(connections.create()),
                        admin -> single(admin, "SELECT CANCEL_SESSION(" + sessionId + ")", Boolean.class),
                        this::close)
                .subscribeOn(blocking)
                .subscribe(
                        running -> log.debug("cancel request for session {}: running={}", sessionId, running),
                        error -> log.warn("cancel request for session {} failed", sessionId, error));
    }

    private static Mono<Long> sleepStatement(Connection connection, Duration duration) {
        return Mono.from(connection
                        .createStatement("SELECT SLEEP_MS($1)")
                        .bind("$1", duration.toMillis())
                        .execute())
                .flatMap(result -> Mono.from(result.map((row, metadata) -> row.get(0, Long.class))));
    }

    /**
     * When the context is done, its error explains the failure better than the database's. The
     * database's timeout is the context's deadline, measured by the database: it may fire a moment
     * before the context's own timer, and it means the same.
     */
    private static Throwable contextErrorOr(Context ctx, Throwable error) {
        ContextException err = ctx.err();
        if (err != null) {
            return err;
        }
        if (error instanceof R2dbcTimeoutException && ctx.deadline().isPresent()) {
            return Context.DEADLINE_EXCEEDED;
        }
        return error;
    }

    private static <T> Mono<T> single(Connection connection, String sql, Class<T> type) {
        return Mono.from(connection.createStatement(sql).execute())
                .flatMap(result -> Mono.from(result.map((row, metadata) -> row.get(0, type))));
    }

    private Publisher<Void> close(Connection connection) {
        return Mono.from(connection.close()).subscribeOn(blocking);
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
