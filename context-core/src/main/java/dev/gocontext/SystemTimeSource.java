package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** {@link TimeSource#system()}: {@link Instant#now()} and the {@link SystemTimer}. */
final class SystemTimeSource implements TimeSource {
    static final SystemTimeSource INSTANCE = new SystemTimeSource();

    private SystemTimeSource() {}

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public Registration schedule(Runnable task, Duration delay) {
        ScheduledTask scheduled = new ScheduledTask(Objects.requireNonNull(task, "task"));
        long nanos = Instants.saturatedNanos(Objects.requireNonNull(delay, "delay"));
        if (nanos < Instants.FOREVER_NANOS) {
            SystemTimer.INSTANCE.schedule(scheduled, Math.max(0, nanos));
        }
        return scheduled;
    }

    @Override
    public String toString() {
        return "TimeSource.system";
    }

    /** A plain task on the system timer; it runs on the default executor, not the timer thread. */
    private static final class ScheduledTask implements SystemTimer.Entry, Registration {
        private final Runnable task;

        // guarded by the SystemTimer lock
        private int heapIndex = -1;

        ScheduledTask(Runnable task) {
            this.task = task;
        }

        @Override
        public boolean stop() {
            return SystemTimer.INSTANCE.unschedule(this);
        }

        @Override
        public void expire() {
            AfterDone.dispatch(task, AfterDone.defaultExecutor());
        }

        @Override
        public int heapIndex() {
            return heapIndex;
        }

        @Override
        public void heapIndex(int heapIndex) {
            this.heapIndex = heapIndex;
        }
    }
}
