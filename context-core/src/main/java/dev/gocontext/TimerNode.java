package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A cancellable context with a deadline: Go's {@code timerCtx}. On the system time source the
 * node is itself the entry of the timer heap ({@link SystemTimer}), so a deadline costs no
 * allocation beyond the node and its {@link Instant}; other time sources get a {@link
 * TimeSource#schedule} task.
 */
final class TimerNode extends CancelNode implements SystemTimer.Entry {
    final Instant deadline;

    /** The cause when the deadline fires; null means {@link Context#DEADLINE_EXCEEDED}. */
    private final @Nullable Throwable deadlineCause;

    // The time source's timer for this node, when it is not the system one. Guarded by this
    // node's monitor. Invariant: null once the node is done.
    private @Nullable Registration foreignTimer;

    // System timer bookkeeping, guarded by the SystemTimer lock: the position in the heap (-1 when
    // not in it).
    private int heapIndex = -1;

    TimerNode(Context parent, Instant deadline, @Nullable Throwable deadlineCause) {
        super(parent);
        this.deadline = deadline;
        this.deadlineCause = deadlineCause;
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
        } else if (remainingNanos >= Instants.FOREVER_NANOS) {
            return; // never fires: nothing to schedule
        } else if (timeSource == SystemTimeSource.INSTANCE) {
            SystemTimer.INSTANCE.schedule(this, remainingNanos);
            if (isDone()) {
                // made done while being scheduled; onDone() may have run before the schedule
                SystemTimer.INSTANCE.unschedule(this);
            }
        } else {
            Registration timer = timeSource.schedule(this::expire, Duration.ofNanos(remainingNanos));
            synchronized (this) {
                if (!isDone()) {
                    foreignTimer = timer;
                    return;
                }
            }
            timer.stop();
        }
    }

    /** The deadline fired. */
    @Override
    public void expire() {
        complete(Completion.of(Context.DEADLINE_EXCEEDED, deadlineCause), true);
    }

    /** Done for any reason: the timer is useless now, release it. */
    @Override
    void onDone() {
        Registration timer;
        synchronized (this) {
            timer = foreignTimer;
            foreignTimer = null;
        }
        if (timer != null) {
            timer.stop();
        } else {
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
