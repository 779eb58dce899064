package dev.gocontext.samples.web;

import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Simulated work that yields between small steps, as cooperative code does: it holds no thread
 * while it waits, and a cancelled subscription stops it at once (its timer is disposed).
 */
final class CooperativeWork {
    /** The length of one step. */
    static final Duration STEP = Duration.ofMillis(10);

    private CooperativeWork() {}

    /** Completes after {@code total}, in steps of {@link #STEP}; emits nothing. */
    static Mono<Void> of(Duration total) {
        long steps = total.toMillis() / STEP.toMillis();
        Duration rest = total.minus(STEP.multipliedBy(steps));
        Mono<Void> last = rest.isZero() ? Mono.empty() : Mono.delay(rest).then();
        return Flux.interval(STEP).take(steps).then(last);
    }
}
