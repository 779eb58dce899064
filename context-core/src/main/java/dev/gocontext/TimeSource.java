package dev.gocontext;

import java.time.Duration;
import java.time.Instant;

/**
 * The clock and timer behind deadlines. Contexts use {@link #system()} unless a {@link
 * Context#withTimeSource(TimeSource)} above them says otherwise, so tests can drive deadlines with
 * {@link ManualTimeSource} (or, in {@code context-reactor}, with Reactor's virtual time) instead
 * of sleeping:
 *
 * <pre>{@code
 * ManualTimeSource time = TimeSource.manual(Instant.EPOCH);
 * Context root = Context.background().withTimeSource(time);
 * try (CancellableContext ctx = root.withTimeout(Duration.ofSeconds(3))) {
 *     time.advance(Duration.ofSeconds(2));
 *     assert ctx.err() == null;
 *     time.advance(Duration.ofSeconds(1));
 *     assert ctx.err() == Context.DEADLINE_EXCEEDED;
 * }
 * }</pre>
 *
 * <p>Implementations must be thread-safe, and {@link #schedule} must never run the task on the
 * calling thread.
 */
public interface TimeSource {
    /**
     * The system clock ({@link Instant#now()}) with a single shared timer thread; timers are
     * measured with {@link System#nanoTime()}, so changes of the wall clock do not move them.
     */
    static TimeSource system() {
        return SystemTimer.SystemTimeSource.INSTANCE;
    }

    /**
     * A clock that stands still until {@link ManualTimeSource#advance(Duration)} moves it, firing
     * the timers that become due.
     *
     * @param start the initial time
     * @throws NullPointerException if {@code start} is null
     */
    static ManualTimeSource manual(Instant start) {
        return new ManualTimeSource(start);
    }

    /** The current time. */
    Instant now();

    /**
     * Runs {@code task} once, after {@code delay}, on a thread other than the caller's.
     *
     * @param delay how long to wait; never negative
     * @return a handle whose {@link Registration#stop()} keeps the task from running
     */
    Registration schedule(Runnable task, Duration delay);
}
