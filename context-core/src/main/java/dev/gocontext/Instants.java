package dev.gocontext;

import java.time.Duration;
import java.time.Instant;

/** Saturating time arithmetic: huge durations and far deadlines clamp instead of overflowing. */
final class Instants {
    /**
     * Delays at least this long are never scheduled: about 146 years, far enough to be "never"
     * and small enough that {@code System.nanoTime() + delay} cannot overflow.
     */
    static final long FOREVER_NANOS = Long.MAX_VALUE / 2;

    private Instants() {}

    /** {@code instant + duration}, clamped to [{@link Instant#MIN}, {@link Instant#MAX}]. */
    static Instant saturatedPlus(Instant instant, Duration duration) {
        try {
            return instant.plus(duration);
        } catch (ArithmeticException | java.time.DateTimeException overflow) {
            return duration.isNegative() ? Instant.MIN : Instant.MAX;
        }
    }

    /** {@code duration} in nanoseconds, clamped to the range of a long. */
    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException overflow) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Nanoseconds from {@code from} to {@code to}, clamped to the range of a long. */
    static long nanosBetween(Instant from, Instant to) {
        // the seconds between any two Instants fit in a long; only the nanoseconds can overflow
        return saturatedNanos(Duration.between(from, to));
    }
}
