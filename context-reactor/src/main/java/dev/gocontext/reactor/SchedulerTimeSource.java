package dev.gocontext.reactor;

import dev.gocontext.Registration;
import dev.gocontext.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A Reactor {@link Scheduler} as the {@link TimeSource} of a context tree: the contexts' clock is
 * {@link Scheduler#now(TimeUnit)} and their deadlines are timers of the scheduler. With a {@code
 * VirtualTimeScheduler}, {@code StepVerifier.withVirtualTime} then moves ctx deadlines and Reactor's
 * own timers ({@code delay}, {@code interval}, {@code timeout}) together:
 *
 * <pre>{@code
 * StepVerifier.withVirtualTime(() -> {
 *             Context root = Context.background().withTimeSource(SchedulerTimeSource.parallel());
 *             CancellableContext ctx = root.withTimeout(Duration.ofSeconds(5));
 *             return GoContext.deadlineOf(Flux.interval(Duration.ofSeconds(1)))
 *                     .contextWrite(GoContext.with(ctx));
 *         })
 *         .thenAwait(Duration.ofSeconds(5))
 *         .expectNextCount(4)
 *         .expectError(DeadlineExceededException.class)
 *         .verify();
 * }</pre>
 *
 * <p>Timers run where the scheduler runs its tasks: on its worker threads for Reactor's real
 * schedulers, on the thread that advances time for a {@code VirtualTimeScheduler}. Do not use {@link
 * Schedulers#immediate()}, whose timers block the caller.
 */
public final class SchedulerTimeSource implements TimeSource {
    private static final SchedulerTimeSource PARALLEL = new SchedulerTimeSource(null);

    /** The scheduler, or null for "whatever Schedulers.parallel() is at each call". */
    private final @Nullable Scheduler scheduler;

    private SchedulerTimeSource(@Nullable Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * The clock and timers of {@code scheduler}.
     *
     * @throws NullPointerException if {@code scheduler} is null
     */
    public static SchedulerTimeSource of(Scheduler scheduler) {
        return new SchedulerTimeSource(Objects.requireNonNull(scheduler, "scheduler"));
    }

    /**
     * The clock and timers of {@link Schedulers#parallel()}, looked up at each call: the scheduler
     * of Reactor's own time operators, which is the virtual-time scheduler while {@code
     * StepVerifier.withVirtualTime} runs. Deadlines on this source fire exactly when Reactor's
     * timers do, so {@link GoContext#deadlineOf} needs no timer of its own for them.
     */
    public static SchedulerTimeSource parallel() {
        return PARALLEL;
    }

    /** The scheduler this source uses now. */
    public Scheduler scheduler() {
        return scheduler != null ? scheduler : Schedulers.parallel();
    }

    @Override
    public Instant now() {
        return Instant.ofEpochSecond(0, scheduler().now(TimeUnit.NANOSECONDS));
    }

    /**
     * Runs {@code task} after {@code delay} on the scheduler. A delay of about 146 years or more is
     * "never": nothing is scheduled (the scheduler's {@code now + delay} would overflow).
     *
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler is disposed
     */
    @Override
    public Registration schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        long nanos = Math.max(0, TimerPolicy.saturatedNanos(Objects.requireNonNull(delay, "delay")));
        ScheduledTask scheduled = new ScheduledTask(task);
        if (nanos >= TimerPolicy.FOREVER_NANOS) {
            return scheduled; // never runs; stop() still reports that it kept the task from running
        }
        Disposable d = scheduler().schedule(scheduled, nanos, TimeUnit.NANOSECONDS);
        scheduled.disposable = d;
        if (scheduled.claimed != 0) {
            d.dispose(); // stopped (or run) before the handle was known: release the scheduler's slot
        }
        return scheduled;
    }

    @Override
    public String toString() {
        return scheduler != null ? "SchedulerTimeSource[" + scheduler + "]" : "SchedulerTimeSource.parallel";
    }

    /** A timer task whose run and stop race for one claim. */
    private static final class ScheduledTask implements Runnable, Registration {
        private static final AtomicIntegerFieldUpdater<ScheduledTask> CLAIMED =
                AtomicIntegerFieldUpdater.newUpdater(ScheduledTask.class, "claimed");

        private final Runnable task;

        // 0 until run() or stop() claims the task; set once.
        private volatile int claimed;

        // The scheduler's handle; null only until schedule() returns.
        volatile @Nullable Disposable disposable;

        ScheduledTask(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            if (CLAIMED.compareAndSet(this, 0, 1)) {
                task.run();
            }
        }

        @Override
        public boolean stop() {
            if (!CLAIMED.compareAndSet(this, 0, 1)) {
                return false;
            }
            Disposable d = disposable;
            if (d != null) {
                d.dispose();
            }
            return true;
        }
    }
}
