package dev.gocontext.reactor;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.Done;
import dev.gocontext.Key;
import dev.gocontext.Registration;
import dev.gocontext.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The child ctx that {@link GoContext#withTimeout} and {@link GoContext#withDeadline} derive for each
 * subscription: a timeout or a deadline, with the cause given for it, applied to the subscriber's
 * ctx by Go's rules (the earlier parent deadline wins; the cause is used only when the child's own
 * deadline fires). Immutable; one per operator.
 *
 * <h2>Which clock</h2>
 *
 * The child's deadline must fire when Reactor's timers would, so that {@code
 * StepVerifier.withVirtualTime} drives it as it drives {@code deadlineOf}. The decision is {@link
 * TimerPolicy}'s:
 *
 * <ul>
 *   <li>the parent's clock is Reactor's (the system clock while {@code Schedulers.parallel()} is
 *       real, or {@link SchedulerTimeSource#parallel()}): the child is derived as Go derives it, on
 *       the parent's clock and timer;
 *   <li>otherwise (virtual time, a manual clock): the child lives on {@link
 *       SchedulerTimeSource#parallel()}, with a timeout of its own budget or, if the parent has less
 *       left, of the parent's remaining time (then without the cause). Both are measured on the
 *       parent's clock, as {@code deadlineOf} measures a deadline it enforces with a Reactor timer.
 *       The child is derived from a view of the parent that hides the parent's deadline: instants of
 *       two clocks are never compared.
 * </ul>
 */
final class ChildDeadline {
    // Exactly one of timeout and deadline is set.
    private final @Nullable Duration timeout;
    private final @Nullable Instant deadline;
    private final @Nullable Throwable cause;

    private ChildDeadline(@Nullable Duration timeout, @Nullable Instant deadline, @Nullable Throwable cause) {
        this.timeout = timeout;
        this.deadline = deadline;
        this.cause = cause;
    }

    /** A child that is done {@code timeout} after the subscription. */
    static ChildDeadline timeout(Duration timeout, @Nullable Throwable cause) {
        return new ChildDeadline(Objects.requireNonNull(timeout, "timeout"), null, cause);
    }

    /** A child that is done at {@code deadline}, an instant of the parent's clock. */
    static ChildDeadline at(Instant deadline, @Nullable Throwable cause) {
        return new ChildDeadline(null, Objects.requireNonNull(deadline, "deadline"), cause);
    }

    /** The child of {@code parent} for one subscription; the caller cancels it when it ends. */
    CancellableContext deriveFrom(Context parent) {
        TimeSource clock = parent.timeSource();
        return TimerPolicy.sameClockAsReactor(clock) ? onParentClock(parent) : onReactorClock(parent, clock);
    }

    private CancellableContext onParentClock(Context parent) {
        Duration t = timeout;
        if (t != null) {
            return cause != null ? parent.withTimeout(t, cause) : parent.withTimeout(t);
        }
        Instant d = Objects.requireNonNull(deadline);
        return cause != null ? parent.withDeadline(d, cause) : parent.withDeadline(d);
    }

    private CancellableContext onReactorClock(Context parent, TimeSource parentClock) {
        Duration t = timeout;
        long own = t != null
                ? TimerPolicy.saturatedNanos(t)
                : TimerPolicy.nanosUntil(parentClock, Objects.requireNonNull(deadline));
        long parentLeft = parent.deadline()
                .map(d -> TimerPolicy.nanosUntil(parentClock, d))
                .orElse(Long.MAX_VALUE);
        Duration budget = Duration.ofNanos(Math.min(own, parentLeft));
        Context onReactor = new WithoutDeadline(parent).withTimeSource(SchedulerTimeSource.parallel());
        boolean ownFirst = own <= parentLeft;
        return ownFirst && cause != null ? onReactor.withTimeout(budget, cause) : onReactor.withTimeout(budget);
    }

    @Override
    public String toString() {
        return timeout != null ? "withTimeout(" + timeout + ")" : "withDeadline(" + deadline + ")";
    }

    /**
     * A parent whose deadline is measured on another clock than its child's, seen without that
     * deadline (the child's budget already counts it); everything else is the parent's, so the
     * child is canceled with it and sees its values.
     */
    private static final class WithoutDeadline implements Context {
        private final Context parent;

        WithoutDeadline(Context parent) {
            this.parent = parent;
        }

        @Override
        public Optional<Instant> deadline() {
            return Optional.empty();
        }

        @Override
        public Done done() {
            return parent.done();
        }

        @Override
        public @Nullable ContextException err() {
            return parent.err();
        }

        @Override
        public @Nullable Throwable cause() {
            return parent.cause();
        }

        @Override
        public <T> @Nullable T value(Key<T> key) {
            return parent.value(key);
        }

        @Override
        public Registration afterDone(Runnable action, Executor executor) {
            return parent.afterDone(action, executor);
        }

        @Override
        public String toString() {
            return parent.toString();
        }
    }
}
