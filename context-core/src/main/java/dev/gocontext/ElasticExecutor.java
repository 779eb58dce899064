package dev.gocontext;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * An executor for the library's internal pools, the closest Java 17 gets to Go's {@code go f()}:
 * an idle thread takes a task at once; if none is idle, a new daemon thread starts, up to a limit;
 * beyond that, tasks queue. Idle threads end after a keep-alive, so nothing keeps running once the
 * work is over, and an idle thread references no task it ran. A task never runs on the submitting
 * thread.
 */
class ElasticExecutor implements Executor {
    private final String threadNamePrefix;
    private final int maxThreads;
    private final long keepAliveNanos;

    /**
     * How often an idle thread looks at the overflow queue. Busy threads drain it between tasks;
     * this only bounds the delay of a task queued in the instant all threads went idle.
     */
    private final long overflowPollNanos;

    // Hand-off to a thread that is waiting for work; offer() fails when no thread waits.
    private final SynchronousQueue<Runnable> handoff = new SynchronousQueue<>();
    // Tasks submitted while maxThreads threads were busy; drained by every thread between tasks.
    private final ConcurrentLinkedQueue<Runnable> overflow = new ConcurrentLinkedQueue<>();
    // Threads started and not yet ended. Invariant: <= maxThreads.
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicInteger sequence = new AtomicInteger();

    /**
     * @param threadNamePrefix the name of each thread, before its number
     * @param maxThreads how many threads may run at once; more tasks queue
     * @param keepAlive how long an idle thread waits for work before it ends
     * @param overflowPoll how often an idle thread looks at the queue of tasks that found every
     *     thread busy
     */
    ElasticExecutor(String threadNamePrefix, int maxThreads, Duration keepAlive, Duration overflowPoll) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be positive: " + maxThreads);
        }
        this.threadNamePrefix = threadNamePrefix;
        this.maxThreads = maxThreads;
        this.keepAliveNanos = keepAlive.toNanos();
        this.overflowPollNanos = overflowPoll.toNanos();
    }

    @Override
    public void execute(Runnable task) {
        if (handoff.offer(task)) {
            return;
        }
        if (reserveThread()) {
            Thread t = new Thread(new Worker(task), threadNamePrefix + sequence.incrementAndGet());
            t.setDaemon(true);
            t.start();
        } else {
            overflow.add(task);
        }
    }

    /** The number of threads running; for tests. */
    int threadCount() {
        return threads.get();
    }

    /** Counts one more thread, unless {@code maxThreads} run. */
    private boolean reserveThread() {
        while (true) {
            int running = threads.get();
            if (running >= maxThreads) {
                return false;
            }
            if (threads.compareAndSet(running, running + 1)) {
                return true;
            }
        }
    }

    /** A test hook: called when an idle thread has decided to end, before it does. */
    void retiring() {}

    /** One thread of the pool; it forgets each task once it has run it. */
    private final class Worker implements Runnable {
        private @Nullable Runnable first;

        Worker(Runnable first) {
            this.first = first;
        }

        @Override
        public void run() {
            Runnable task = first;
            first = null; // an idle thread must not keep its first task (and all it holds) alive
            long idleSince = System.nanoTime();
            while (true) {
                if (task != null) {
                    runQuietly(task);
                    task = null;
                    idleSince = System.nanoTime();
                }
                task = overflow.poll();
                if (task != null) {
                    continue;
                }
                task = pollHandoff();
                if (task == null && System.nanoTime() - idleSince > keepAliveNanos) {
                    retiring();
                    threads.decrementAndGet();
                    // a task may have been queued as this thread decided to end: take it back
                    Runnable late = overflow.poll();
                    if (late == null) {
                        return;
                    }
                    if (!reserveThread()) {
                        overflow.add(late); // the pool is full again: a busy thread will take it
                        return;
                    }
                    task = late;
                }
            }
        }

        private @Nullable Runnable pollHandoff() {
            try {
                return handoff.poll(overflowPollNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                return null; // nobody interrupts these threads; treat as a timeout
            }
        }

        private void runQuietly(Runnable task) {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                AfterDone.report(e); // the thread, and its place in the count, survive
            }
        }
    }
}
