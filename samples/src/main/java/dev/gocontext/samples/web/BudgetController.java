package dev.gocontext.samples.web;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * {@code GET /budget?ms=N}: a downstream call with a budget of its own inside the request's, Go's
 * {@code context.WithTimeout(ctx, 300*time.Millisecond)} around one call. It calls this service's
 * {@code /work?ms=N} through a WebClient with {@code GoContextExchangeFilter}, under {@code
 * GoContext.withTimeout(call, 300 ms)}: the call sends at most 300 ms as {@code X-Request-Timeout}
 * (the downstream answers with what it had left), and a downstream slower than that is given up
 * after 300 ms while the request goes on, answering {@code 200} with what happened.
 */
@RestController
class BudgetController {
    /** The budget of the downstream call, whatever the request has left. */
    static final Duration CALL_BUDGET = Duration.ofMillis(300);

    static final long DEFAULT_MS = 100;
    static final long MAX_MS = 60_000;

    /**
     * The answer of {@code /budget}: {@code outcome} is {@code "ok"} or why the call was given up;
     * {@code downstreamRemainingMs} is the downstream's budget when it finished (null when given up),
     * {@code requestRemainingMs} what the request itself had left at the end.
     */
    record BudgetResult(
            String requestId,
            String outcome,
            @Nullable Long downstreamRemainingMs,
            @Nullable Long requestRemainingMs) {}

    private final WebClient self;
    private final Environment environment;

    BudgetController(Environment environment) {
        this.environment = environment;
        // Propagation only to this machine: a request's budget and id never leak to other hosts.
        this.self = WebClient.builder()
                .filter(new GoContextExchangeFilter(OutboundPropagation.toHosts("127.0.0.1", "localhost")))
                .build();
    }

    @GetMapping(path = "/budget", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<BudgetResult> budget(@RequestParam(name = "ms", required = false) @Nullable String ms) {
        long workMs = Params.parse("ms", ms, DEFAULT_MS, MAX_MS);
        return GoContext.current()
                .flatMap(request -> GoContext.withTimeout(work(workMs), CALL_BUDGET)
                        .map(work -> new BudgetResult(
                                WorkController.requestId(request),
                                "ok",
                                work.remainingMs(),
                                WorkController.remainingMs(request)))
                        // the call's budget ran out, not the request's (whose end is the WebFilter's 504)
                        .onErrorResume(
                                e -> e == Context.DEADLINE_EXCEEDED && request.err() == null,
                                e -> Mono.fromSupplier(() -> new BudgetResult(
                                        WorkController.requestId(request),
                                        "gave up after " + CALL_BUDGET.toMillis() + " ms: " + e.getMessage(),
                                        null,
                                        WorkController.remainingMs(request)))));
    }

    /** The downstream call: this service's {@code /work?ms=N}, under the caller's ctx. */
    private Mono<WorkController.WorkResult> work(long workMs) {
        int port = environment.getRequiredProperty("local.server.port", Integer.class);
        return self.get()
                .uri("http://127.0.0.1:{port}/work?ms={ms}", port, workMs)
                .retrieve()
                // the downstream ran out of the budget it was given, a moment before we did
                .onStatus(
                        status -> status.value() == HttpStatus.GATEWAY_TIMEOUT.value(),
                        response -> Mono.error(Context.DEADLINE_EXCEEDED))
                .bodyToMono(WorkController.WorkResult.class);
    }
}
