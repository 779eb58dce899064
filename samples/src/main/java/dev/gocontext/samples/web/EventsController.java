package dev.gocontext.samples.web;

import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * {@code GET /events?n=N&everyMs=M}: a Server-Sent Events stream of {@code N} events, one every
 * {@code M} ms, each {@code {seq, requestId, elapsedMs, remainingMs}}. The stream has no deadline
 * (its route says so in {@code application.yml}, and any request that accepts {@code
 * text/event-stream} gets none by default), so it outlives the default timeout; it stops when the
 * client goes away, because it is bound to the request ctx, which is then canceled.
 */
@RestController
class EventsController {
    static final long DEFAULT_N = 10;
    static final long MAX_N = 100_000;
    static final long DEFAULT_EVERY_MS = 1000;
    static final long MAX_EVERY_MS = 60_000;

    /** One event: its number (from 1), the request id, the time since the stream began, the budget left. */
    record Tick(
            long seq,
            String requestId,
            long elapsedMs,
            @Nullable Long remainingMs) {}

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<Tick>> events(
            @RequestParam(name = "n", required = false) @Nullable String n,
            @RequestParam(name = "everyMs", required = false) @Nullable String everyMs) {
        long count = Params.parse("n", n, DEFAULT_N, MAX_N);
        long every = Params.parse("everyMs", everyMs, DEFAULT_EVERY_MS, MAX_EVERY_MS);
        if (every == 0) {
            throw new BadParameterException("everyMs must be an integer from 1 to " + MAX_EVERY_MS + ", got '0'");
        }
        return GoContext.current().flatMapMany(ctx -> {
            long start = System.nanoTime();
            String requestId = WorkController.requestId(ctx);
            // delayElements, not interval: the next tick waits for demand, so a slow client loses none
            Flux<ServerSentEvent<Tick>> ticks = Flux.range(1, (int) count)
                    .delayElements(Duration.ofMillis(every))
                    .map(seq -> ServerSentEvent.builder(new Tick(
                                    seq, requestId, WorkController.elapsedMs(start), WorkController.remainingMs(ctx)))
                            .id(Integer.toString(seq))
                            .event("tick")
                            .build());
            return GoContext.deadlineOf(ticks);
        });
    }
}
