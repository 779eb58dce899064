package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A {@link TimeSource} for tests: time stands still until {@link #advance(Duration)} moves it;
 * the timers that become due then run, in deadline order, on the thread that calls {@code
 * advance}.
 *
 * <pre>{@code
 * ManualTimeSource time = TimeSource.manual(Instant.parse("2026-01-01T00:00:00Z"));
 * CancellableContext ctx = Context.background().withTimeSource(time).withTimeout(Duration.ofSeconds(3));
 * time.advance(Duration.ofSeconds(3));
 * assert ctx.err() == Context.DEADLINE_EXCEEDED;
 * }</pre>
 */
public final class ManualTimeSource implements TimeSource {
    // Invariant: every entry in `timers` is unstarted and unstopped; all fields guarded by `this`.
    private Instant now;
    private long sequence;
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();

    ManualTimeSource(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public Registration schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(delay, "delay");
        synchronized (this) {
            Timer timer = new Timer(
                    Instants.saturatedPlus(now, delay.isNegative() ? Duration.ZERO : delay), sequence++, task);
            timers.add(timer);
            return timer;
        }
    }

    /**
     * Moves the clock forward by {@code duration} and runs every timer that is due by then, in the
     * order of their due times (ties in the order they were scheduled).
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     * @throws NullPointerException if {@code duration} is null
     */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative: " + duration);
        }
        Instant target;
        synchronized (this) {
            target = Instants.saturatedPlus(now, duration);
        }
        // Fire one timer at a time, with the clock set to its due time, so that timers scheduled
        // by the tasks themselves run in order too.
        while (true) {
            Timer due;
            synchronized (this) {
                Timer head = timers.peek();
                if (head == null || head.at.isAfter(target)) {
                    if (target.isAfter(now)) {
                        now = target;
                    }
                    return;
                }
                timers.poll();
                if (head.at.isAfter(now)) {
                    now = head.at;
                }
                due = head;
            }
            due.task.run();
        }
    }

    /** The number of timers scheduled and not yet run or stopped. */
    public synchronized int pendingTimers() {
        return timers.size();
    }

    @Override
    public synchronized String toString() {
        return "ManualTimeSource[" + now + ", " + timers.size() + " timers]";
    }

    private final class Timer implements Registration, Comparable<Timer> {
        final Instant at;
        final long order;
        final Runnable task;

        Timer(Instant at, long order, Runnable task) {
            this.at = at;
            this.order = order;
            this.task = task;
        }

        @Override
        public boolean stop() {
            synchronized (ManualTimeSource.this) {
                return timers.remove(this);
            }
        }

        @Override
        public int compareTo(Timer other) {
            int byTime = at.compareTo(other.at);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }
}
