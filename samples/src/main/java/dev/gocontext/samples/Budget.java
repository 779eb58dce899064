package dev.gocontext.samples;

import dev.gocontext.Context;
import java.time.Duration;
import java.util.Optional;

/** The remaining time of a context: what is left of its deadline, measured by its time source. */
public final class Budget {
    private Budget() {}

    /**
     * The time left until {@code ctx}'s deadline; empty if it has none. Zero or negative once the
     * deadline has passed.
     */
    public static Optional<Duration> remaining(Context ctx) {
        return ctx.deadline().map(deadline -> Duration.between(ctx.timeSource().now(), deadline));
    }
}
