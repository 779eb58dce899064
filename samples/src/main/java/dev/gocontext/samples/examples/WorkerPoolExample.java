package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.Registration;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker pool bound to a context. Guide ({@code docs/GUIDE.md}): chapter 10, "Worker pools".
 *
 * <p>Four workers take tasks from a queue; each task gets the pool's context and checks it
 * between its steps. When the context is canceled, {@code afterDone} interrupts the workers: the
 * running tasks stop at their next check, the queued ones are dropped, and every worker thread
 * ends. Key line: {@code worker threads left: 0}.
 *
 * <pre>{@code ./demo.sh example pool}</pre>
 */
public final class WorkerPoolExample {
    private WorkerPoolExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** A task of the pool: runs under the pool's context and returns early when it is done. */
    @FunctionalInterface
    interface Task {
        void run(Context ctx) throws InterruptedException;
    }

    /**
     * A fixed set of worker threads that live exactly as long as a context: created with it,
     * stopped when it is done.
     */
    static final class ContextWorkerPool {
        private final Context ctx;
        private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
        private final List<Thread> workers = new ArrayList<>();
        private final AtomicInteger completed = new AtomicInteger();
        private final Registration stopWorkers;

        ContextWorkerPool(Context ctx, int size, String name) {
            this.ctx = ctx;
            for (int i = 0; i < size; i++) {
                Thread worker = new Thread(this::work, name + "-" + i);
                worker.setDaemon(true);
                workers.add(worker);
            }
            workers.forEach(Thread::start);
            // Go: <-ctx.Done() in every worker's select; here the waiting workers are woken up
            stopWorkers = ctx.afterDone(() -> workers.forEach(Thread::interrupt));
        }

        /** Queues a task; false if the pool's context is done (the task will not run). */
        boolean submit(Task task) {
            return ctx.err() == null && queue.offer(task);
        }

        private void work() {
            try {
                while (ctx.err() == null) {
                    queue.take().run(ctx);
                    if (ctx.err() == null) {
                        completed.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                // the context is done: leave the loop
            }
        }

        /** Waits until every worker has ended, after the context is done. */
        int awaitTermination(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Thread worker : workers) {
                worker.join(Math.max(
                        1, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
            }
            stopWorkers.stop();
            return (int) workers.stream().filter(Thread::isAlive).count();
        }

        int completed() {
            return completed.get();
        }

        int dropped() {
            return queue.size();
        }
    }

    static void run(PrintStream out) throws InterruptedException {
        try (CancellableContext ctx = Context.background().withCancel()) {
            ContextWorkerPool pool = new ContextWorkerPool(ctx, 4, "pool-worker");
            for (int i = 0; i < 100; i++) {
                pool.submit(WorkerPoolExample::task);
            }
            out.println("4 workers, 100 tasks of 20 ms queued; canceling the pool's context after 150 ms");
            Thread.sleep(150);
            ctx.cancel();
            int alive = pool.awaitTermination(Duration.ofSeconds(5));
            out.println("tasks completed: " + pool.completed() + ", dropped from the queue: " + pool.dropped());
            out.println("submit after cancel accepted: " + pool.submit(WorkerPoolExample::task));
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("pool-worker-"))
                    .count();
            out.println("worker threads left: " + Math.max(alive, threads));
        }
    }

    /** 20 ms of work in 5 ms steps, checking the context between the steps. */
    private static void task(Context ctx) throws InterruptedException {
        for (int step = 0; step < 4; step++) {
            if (ctx.done().await(Duration.ofMillis(5))) {
                return; // canceled: stop between two steps
            }
        }
    }
}
