package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A cancellable context with a deadline: Go's {@code timerCtx}. On the system time source the
 * node is itself the entry of the timer heap ({@link SystemTimer}), so a deadline costs no
 * allocation beyond the node and its {@link Instant}; other time sources get a {@link
 * TimeSource#schedule} task, stopped by a waiter in the node's own list once it is done, so that
 * the other source's {@code stop()} runs after the walk, never on the shared timer thread.
 */
final class TimerNode extends CancelNode implements SystemTimer.Entry {
    final Instant deadline;

    /** The cause when the deadline fires; null means {@link Context#DEADLINE_EXCEEDED}. */
    private final @Nullable Throwable deadlineCause;

    /**
     * Whether the node goes into the system timer's heap: fixed before the node is published, so
     * that becoming done knows without a lock whether there is an entry to remove.
     */
    private final boolean onSystemTimer;

    // System timer bookkeeping, guarded by the SystemTimer lock: the position in the heap (-1 when
    // not in it).
    private int heapIndex = -1;

    TimerNode(Context parent, Instant deadline, @Nullable Throwable deadlineCause, boolean onSystemTimer) {
        super(parent);
        this.deadline = deadline;
        this.deadlineCause = deadlineCause;
        this.onSystemTimer = onSystemTimer;
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.of(deadline);
    }

    /**
     * Starts the timer, or fires at once if {@code remainingNanos <= 0}. Call once, after the
     * node was registered with its parent.
     */
    void start(TimeSource timeSource, long remainingNanos) {
        if (isDone()) {
            return;
        }
        if (remainingNanos <= 0) {
            expire();
        } else if (onSystemTimer) {
            SystemTimer.INSTANCE.schedule(this, remainingNanos);
            if (isDone()) {
                // made done while being scheduled; onDone() may have run before the schedule
                SystemTimer.INSTANCE.unschedule(this);
            }
        } else if (remainingNanos < Instants.FOREVER_NANOS) {
            Registration timer = timeSource.schedule(this::expire, Duration.ofNanos(remainingNanos));
            if (!add(new Waiter.StopOnDone(timer))) {
                timer.stop();
            }
        }
    }

    /** The deadline fired. */
    @Override
    public void expire() {
        complete(Completion.of(Context.DEADLINE_EXCEEDED, deadlineCause));
    }

    /** Done for any reason: the system timer's entry is useless now, release it. */
    @Override
    void onDone(Object state) {
        super.onDone(state);
        if (onSystemTimer) {
            SystemTimer.INSTANCE.unschedule(this);
        }
    }

    @Override
    public int heapIndex() {
        return heapIndex;
    }

    @Override
    public void heapIndex(int heapIndex) {
        this.heapIndex = heapIndex;
    }

    @Override
    public String nameSuffix() {
        Duration left = remaining().orElseThrow(); // a timer context always has a deadline
        return ".WithDeadline(" + deadline + " [" + left + "])";
    }
}
