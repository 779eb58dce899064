package dev.gocontext.samples.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import io.r2dbc.h2.CloseableConnectionFactory;
import io.r2dbc.h2.H2ConnectionFactory;
import io.r2dbc.spi.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The database honours the context: query timeout from the deadline, cancel on dispose. Every wait
 * is bounded by {@link #PATIENCE}, far above what any step takes, even on a loaded machine.
 */
class SlowStatementsTest {
    /** The bound on every wait for the database: a step that takes longer has hung. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private static CloseableConnectionFactory connections;
    private static Connection keepAlive; // the in-memory database lives while one session is open
    private static SlowStatements statements;
    private static long baselineSessions;

    @BeforeAll
    static void createDatabase() throws Exception {
        connections = H2ConnectionFactory.inMemory("slow-statements-test");
        keepAlive = Mono.from(connections.create()).block(PATIENCE);
        String schema = new String(
                Objects.requireNonNull(SlowStatementsTest.class.getResourceAsStream("/schema.sql"))
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        for (String sql : schema.replaceAll("(?m)^--.*$", "").split(";")) {
            if (!sql.isBlank()) {
                Mono.from(keepAlive.createStatement(sql).execute())
                        .flatMap(r -> Mono.from(r.getRowsUpdated()))
                        .block(PATIENCE);
            }
        }
        statements = new SlowStatements(connections);
        baselineSessions = openSessions();
    }

    @AfterAll
    static void dropDatabase() {
        Mono.from(keepAlive.close()).block(PATIENCE);
        connections.close();
    }

    @Test
    void aStatementWithinItsBudgetCompletes() {
        long completed = DbStatementStats.global().completed();
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(5))) {
            StepVerifier.create(statements.sleep(ctx, Duration.ofMillis(50)))
                    .assertNext(result -> {
                        assertThat(result.sleptMs()).isEqualTo(50);
                        assertThat(result.elapsedMs()).isGreaterThanOrEqualTo(50);
                    })
                    .expectComplete()
                    .verify(PATIENCE);
        }
        assertThat(DbStatementStats.global().completed()).isEqualTo(completed + 1);
        assertNothingRunning();
    }

    @Test
    void theDatabaseStopsTheStatementAtTheDeadline() {
        long canceled = DbStatementStats.global().canceled();
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(200))) {
            // no Reactor operator watches ctx here: the QUERY_TIMEOUT set from it stops the statement
            StepVerifier.create(statements.sleep(ctx, Duration.ofSeconds(10)))
                    .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                    .verify(PATIENCE);
        }
        assertThat(DbStatementStats.global().canceled()).isEqualTo(canceled + 1);
        assertNothingRunning();
    }

    @Test
    void disposingTheSubscriptionCancelsTheStatementInTheDatabase() {
        long canceled = DbStatementStats.global().canceled();
        long started = DbStatementStats.global().started();
        Disposable subscription =
                statements.sleep(Context.background(), Duration.ofSeconds(10)).subscribe();
        await().atMost(PATIENCE).until(() -> DbStatementStats.global().started() > started);

        subscription.dispose();

        await().atMost(PATIENCE)
                .untilAsserted(
                        () -> assertThat(DbStatementStats.global().canceled()).isEqualTo(canceled + 1));
        assertNothingRunning();
    }

    @Test
    void aContextThatIsAlreadyDoneRunsNoStatement() {
        long started = DbStatementStats.global().started();
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        StepVerifier.create(statements.sleep(ctx, Duration.ofSeconds(10)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(PATIENCE);
        assertThat(DbStatementStats.global().started()).isEqualTo(started);
    }

    /** No statement runs and every session but the keep-alive one is closed. */
    private static void assertNothingRunning() {
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(DbStatementStats.global().running()).isZero();
            assertThat(openSessions()).isEqualTo(baselineSessions);
        });
    }

    private static long openSessions() {
        return Mono.from(keepAlive
                        .createStatement("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS")
                        .execute())
                .flatMap(r -> Mono.from(r.map((row, md) -> row.get(0, Long.class))))
                .blockOptional(PATIENCE)
                .orElseThrow();
    }
}
