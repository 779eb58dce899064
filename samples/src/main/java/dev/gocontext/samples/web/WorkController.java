package dev.gocontext.samples.web;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /work?ms=N}: {@code N} ms of cooperative work bound to the request ctx. {@code 200}
 * with {@code {requestId, elapsedMs, remainingMs}}, or {@code 504} when the request's deadline
 * passes first (the work is then disposed).
 */
@RestController
class WorkController {
    static final long DEFAULT_MS = 100;
    static final long MAX_MS = 60_000;

    /** The answer of {@code /work}; {@code remainingMs} is null when the request has no deadline. */
    record WorkResult(
            String requestId, long elapsedMs, @Nullable Long remainingMs) {}

    @GetMapping(path = "/work", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<WorkResult> work(@RequestParam(name = "ms", required = false) @Nullable String ms) {
        Duration work = Duration.ofMillis(Params.parse("ms", ms, DEFAULT_MS, MAX_MS));
        return GoContext.current().flatMap(ctx -> {
            long start = System.nanoTime();
            return GoContext.deadlineOf(CooperativeWork.of(work))
                    .then(Mono.fromSupplier(() -> new WorkResult(requestId(ctx), elapsedMs(start), remainingMs(ctx))));
        });
    }

    /** The request id the WebFilter put into the request ctx. */
    static String requestId(Context ctx) {
        return String.valueOf(GoContextHttp.requestId(ctx));
    }

    static @Nullable Long remainingMs(Context ctx) {
        return ctx.remaining().map(Duration::toMillis).orElse(null);
    }

    static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
