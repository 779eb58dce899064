package dev.gocontext;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default executor of after-done actions, the closest Java 17 gets to Go's {@code go f()}:
 * an idle thread takes a task at once; if none is idle, a new daemon thread starts, up to {@link
 * #MAX_THREADS}; beyond that, tasks queue. Idle threads end after {@link #KEEP_ALIVE_SECONDS}, so
 * nothing keeps running once the work is over. A task never runs on the submitting thread.
 */
final class ElasticExecutor implements Executor {
    static final ElasticExecutor INSTANCE = new ElasticExecutor();

    static final int MAX_THREADS = 256;
    static final long KEEP_ALIVE_SECONDS = 30;

    /**
     * How often an idle thread looks at the overflow queue. Busy threads drain it between tasks;
     * this only bounds the delay of a task queued in the instant all threads went idle.
     */
    private static final long OVERFLOW_POLL_MILLIS = 1000;

    // Hand-off to a thread that is waiting for work; offer() fails when no thread waits.
    private final SynchronousQueue<Runnable> handoff = new SynchronousQueue<>();
    // Tasks submitted while MAX_THREADS threads were busy; drained by every thread between tasks.
    private final ConcurrentLinkedQueue<Runnable> overflow = new ConcurrentLinkedQueue<>();
    // Threads started and not yet ended. Invariant: <= MAX_THREADS.
    private final AtomicInteger threads = new AtomicInteger();
    private final AtomicInteger sequence = new AtomicInteger();

    private ElasticExecutor() {}

    @Override
    public void execute(Runnable task) {
        if (handoff.offer(task)) {
            return;
        }
        while (true) {
            int running = threads.get();
            if (running >= MAX_THREADS) {
                overflow.add(task);
                return;
            }
            if (threads.compareAndSet(running, running + 1)) {
                Thread t = new Thread(() -> work(task), "gocontext-afterdone-" + sequence.incrementAndGet());
                t.setDaemon(true);
                t.start();
                return;
            }
        }
    }

    private void work(Runnable first) {
        Runnable task = first;
        long idleSince = 0;
        while (true) {
            if (task != null) {
                task.run(); // tasks come wrapped by AfterDone.dispatch and do not throw
                idleSince = System.nanoTime();
            }
            task = overflow.poll();
            if (task != null) {
                continue;
            }
            try {
                task = handoff.poll(OVERFLOW_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                task = null; // nobody interrupts these threads; treat as a timeout
            }
            if (task == null && System.nanoTime() - idleSince > TimeUnit.SECONDS.toNanos(KEEP_ALIVE_SECONDS)) {
                threads.decrementAndGet();
                // a task may have been queued as we decided to end: take it back
                Runnable late = overflow.poll();
                if (late == null) {
                    return;
                }
                threads.incrementAndGet();
                task = late;
            }
        }
    }
}
