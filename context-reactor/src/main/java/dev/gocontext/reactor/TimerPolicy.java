package dev.gocontext.reactor;

import dev.gocontext.Context;
import dev.gocontext.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Decides how a bound subscription enforces its ctx's deadline: by the ctx's own timer, or by a
 * timer on Reactor's {@link Schedulers#parallel()} (the scheduler of Reactor's own {@code timeout}
 * and {@code delay}, which {@code StepVerifier.withVirtualTime} replaces).
 *
 * <p>A Reactor timer is needed whenever the two clocks may differ: when the ctx's time source is not
 * the one Reactor's timers use. It is skipped when they are the same clock: a ctx on the system time
 * source while {@code parallel()} is one of Reactor's real-time schedulers, or a ctx on a {@link
 * SchedulerTimeSource} of the very scheduler {@code parallel()} is. Then the ctx's own timer makes the
 * ctx done with {@link Context#DEADLINE_EXCEEDED} at the same instant, and the subscription sees that
 * through its done registration, on a {@code parallel()} thread (see {@link Delivery}): the same
 * signal, at the same time, on the same kind of thread, without scheduling a second timer per
 * subscription.
 */
final class TimerPolicy {
    /** No Reactor timer is needed. */
    static final long NONE = -1;

    /** The deadline has passed already. */
    static final long PASSED = 0;

    /**
     * Delays at least this long are "never" (about 146 years) and are not scheduled: a scheduler
     * computes {@code now + delay}, which would overflow into the past for a longer one (a {@code
     * VirtualTimeScheduler} whose time has moved would then fire it at once). Core uses the same
     * bound for its own timers.
     */
    static final long FOREVER_NANOS = Long.MAX_VALUE / 2;

    private static final long MILLI = 1_000_000L;

    private static final String REACTOR_SCHEDULERS = "reactor.core.scheduler";

    // Racy by design: any thread may replace it with a fresh, correct verdict.
    private static volatile Verdict lastVerdict = new Verdict(Schedulers.immediate(), false);

    private TimerPolicy() {}

    /**
     * The delay, in nanoseconds, of the Reactor timer a subscription bound to {@code ctx} needs:
     * {@link #NONE}, {@link #PASSED}, or a positive delay. A deadline at or beyond {@link
     * #FOREVER_NANOS} needs no timer: it never fires.
     */
    static long timerNanos(Context ctx, Optional<Instant> deadline) {
        if (deadline.isEmpty()) {
            return NONE;
        }
        TimeSource time = ctx.timeSource();
        if (sameClockAsReactor(time)) {
            return NONE;
        }
        long nanos = nanosUntil(time, deadline.get());
        if (nanos >= FOREVER_NANOS) {
            return NONE;
        }
        return nanos <= 0 ? PASSED : nanos;
    }

    /**
     * The time from {@code time}'s now until {@code deadline}, in nanoseconds, saturated, and
     * rounded up to a whole millisecond when positive (see {@link #roundUpToMillis}): how long a
     * Reactor timer waits for a deadline measured on another clock.
     */
    static long nanosUntil(TimeSource time, Instant deadline) {
        long nanos = saturatedNanos(Duration.between(time.now(), deadline));
        return nanos <= 0 ? nanos : roundUpToMillis(nanos);
    }

    /**
     * The remaining time, rounded up to a whole millisecond: a ctx on the real clock loses a few
     * microseconds between its creation and the subscription, which must not make a virtual-time
     * test see its deadline fire before the millisecond it was set for.
     */
    static long roundUpToMillis(long nanos) {
        long remainder = nanos % MILLI;
        return remainder == 0 || nanos > Long.MAX_VALUE - MILLI ? nanos : nanos - remainder + MILLI;
    }

    /** Whether deadlines measured by {@code time} fire when Reactor's own timers would. */
    static boolean sameClockAsReactor(TimeSource time) {
        Scheduler parallel = Schedulers.parallel();
        if (time == TimeSource.system()) {
            return isRealTime(parallel);
        }
        return time instanceof SchedulerTimeSource sts && unwrap(sts.scheduler()) == unwrap(parallel);
    }

    /**
     * Whether {@code parallel} is one of Reactor's own real-time schedulers. Remembered for the
     * last instance asked about ({@code Schedulers.parallel()} changes only when its factory is
     * replaced, as {@code withVirtualTime} does), so a subscription pays one volatile read.
     */
    private static boolean isRealTime(Scheduler parallel) {
        Verdict last = lastVerdict;
        if (last.scheduler != parallel) {
            last = new Verdict(
                    parallel, unwrap(parallel).getClass().getPackageName().equals(REACTOR_SCHEDULERS));
            lastVerdict = last;
        }
        return last.realTime;
    }

    /** The last scheduler {@link #isRealTime} looked at, and its answer. Immutable. */
    private static final class Verdict {
        final Scheduler scheduler;
        final boolean realTime;

        Verdict(Scheduler scheduler, boolean realTime) {
            this.scheduler = scheduler;
            this.realTime = realTime;
        }
    }

    /** The scheduler behind {@code Schedulers}' cache wrapper (which is a {@code Supplier}). */
    static Scheduler unwrap(Scheduler scheduler) {
        if (scheduler instanceof Supplier<?> cache && cache.get() instanceof Scheduler cached) {
            return cached;
        }
        return scheduler;
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
