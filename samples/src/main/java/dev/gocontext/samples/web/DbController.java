package dev.gocontext.samples.web;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.samples.db.SlowStatements;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /db?sleepMs=N}: an SQL statement on H2 (through R2DBC) that runs about {@code N} ms,
 * bound to the request ctx. When the deadline passes ({@code 504}) or the client goes away, the
 * R2DBC subscription is disposed and the statement is canceled in the database, which counts it in
 * {@code samples.db.statements{outcome="canceled"}} and logs it.
 */
@RestController
class DbController {
    static final long DEFAULT_MS = 100;
    static final long MAX_MS = 60_000;

    /** The answer of {@code /db}. */
    record DbResult(
            String requestId,
            int sessionId,
            long sleptMs,
            long elapsedMs,
            @Nullable Long remainingMs) {}

    private final SlowStatements statements;

    DbController(SlowStatements statements) {
        this.statements = statements;
    }

    @GetMapping(path = "/db", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<DbResult> db(@RequestParam(name = "sleepMs", required = false) @Nullable String sleepMs) {
        Duration sleep = Duration.ofMillis(Params.parse("sleepMs", sleepMs, DEFAULT_MS, MAX_MS));
        return GoContext.current()
                .flatMap(ctx -> GoContext.deadlineOf(statements.sleep(ctx, sleep))
                        .map(result -> new DbResult(
                                WorkController.requestId(ctx),
                                result.sessionId(),
                                result.sleptMs(),
                                result.elapsedMs(),
                                WorkController.remainingMs(ctx))));
    }
}
