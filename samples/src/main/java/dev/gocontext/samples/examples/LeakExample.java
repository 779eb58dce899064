package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextStats;
import dev.gocontext.Done;
import dev.gocontext.LeakDetection;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The goroutine-leak pitfall, found at run time. Guide ({@code docs/GUIDE.md}): chapter 7, "Leaks,
 * and how this library finds them".
 *
 * <p>Go's pitfall: ten goroutines wait on {@code <-ctx.Done()} of a context whose {@code cancel}
 * is never called, so they wait forever. Here {@code leaky()} starts ten threads waiting on the
 * done signal and then drops its {@link CancellableContext} without {@code cancel()}: the
 * garbage collector notices, and {@link ContextStats#leaked()} counts it (Go vet's "lostcancel",
 * at run time). The threads are only released when the parent request context ends. {@code
 * fixed()} uses try-with-resources, Java's {@code defer cancel()}: its workers stop at once and
 * nothing is counted. Key lines: {@code leaky: 1 context leaked} and {@code fixed: 0 contexts
 * leaked}.
 *
 * <pre>{@code ./demo.sh example leak}</pre>
 */
public final class LeakExample {
    private static final int WORKERS = 10;

    private LeakExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws InterruptedException {
        LeakDetection.Level previous = LeakDetection.level();
        LeakDetection.setLevel(LeakDetection.Level.ALL); // track every context, not a sample
        try (CancellableContext request = Context.background().withCancel()) {
            List<Thread> leakyWorkers = new ArrayList<>();
            long before = ContextStats.global().leaked();
            leaky(request, leakyWorkers);
            long leaked = collectLeaks(before, Duration.ofSeconds(10));
            out.println("leaky: " + leaked + " context leaked; " + alive(leakyWorkers) + " of " + WORKERS
                    + " workers still blocked on <-ctx.Done()");

            request.cancel(); // the parent ends: only now do the leaked context and its workers stop
            joinAll(leakyWorkers);
            out.println("leaky: after the parent request was canceled, " + alive(leakyWorkers) + " workers left");

            List<Thread> fixedWorkers = new ArrayList<>();
            before = ContextStats.global().leaked();
            fixed(Context.background(), fixedWorkers);
            joinAll(fixedWorkers);
            long fixedLeaks = collectLeaks(before, Duration.ofMillis(500));
            out.println("fixed: " + fixedLeaks + " contexts leaked; " + alive(fixedWorkers) + " workers left");
        } finally {
            LeakDetection.setLevel(previous);
        }
    }

    /** The bug: the cancel handle is dropped when this method returns; nothing ever cancels it. */
    static void leaky(Context parent, List<Thread> workers) {
        CancellableContext ctx = parent.withCancel();
        Done done = ctx.done(); // the workers only need the done signal, as Go's goroutines do
        for (int i = 0; i < WORKERS; i++) {
            workers.add(startWorker("leaky-worker-" + i, done));
        }
        // missing: ctx.cancel() / try-with-resources
    }

    /** The fix: try-with-resources cancels the context when the work is over. */
    static void fixed(Context parent, List<Thread> workers) throws InterruptedException {
        try (CancellableContext ctx = parent.withCancel()) {
            for (int i = 0; i < WORKERS; i++) {
                workers.add(startWorker("fixed-worker-" + i, ctx.done()));
            }
            Thread.sleep(20); // the work this function does while its workers run
        }
    }

    private static Thread startWorker(String name, Done done) {
        Thread worker = new Thread(
                () -> {
                    try {
                        done.await(); // <-ctx.Done()
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                name);
        worker.setDaemon(true);
        worker.start();
        return worker;
    }

    /**
     * Runs the garbage collector until a leak beyond {@code before} is counted or {@code patience}
     * has passed, and returns the leaks counted since {@code before}.
     */
    private static long collectLeaks(long before, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        long leaked = ContextStats.global().leaked() - before;
        for (int round = 0; leaked == 0 && System.nanoTime() < deadline; round++) {
            System.gc();
            Thread.sleep(round < 5 ? 20 : 100);
            leaked = ContextStats.global().leaked() - before;
        }
        return leaked;
    }

    private static void joinAll(List<Thread> workers) throws InterruptedException {
        for (Thread worker : workers) {
            worker.join(Duration.ofSeconds(5).toMillis());
        }
    }

    private static long alive(List<Thread> workers) {
        return workers.stream().filter(Thread::isAlive).count();
    }
}
