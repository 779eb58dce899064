package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Multi-level cancellation of a task tree, each task knowing why it stopped. Guide ({@code
 * docs/GUIDE.md}): chapter 5, "Causes".
 *
 * <p>A main task starts two subtasks, each with two grandchildren, every task on its own thread
 * with a context derived from its parent's. First subtask 2 fails and cancels its own context with
 * a cause: it and its children stop, the rest runs on. Then the main task is aborted: everything
 * left stops, and every task reports {@code err()} and {@code cause()} of its context. Key line:
 * {@code 7 of 7 tasks stopped, each knows why}.
 *
 * <pre>{@code ./demo.sh example cascade}</pre>
 */
public final class TaskTreeExample {
    private TaskTreeExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws InterruptedException {
        Map<String, String> reports = new ConcurrentHashMap<>();
        Map<String, Thread> threads = new LinkedHashMap<>();
        try (CancellableContext main = Context.background().withCancel()) {
            CancellableContext sub1 = main.withCancel();
            CancellableContext sub2 = main.withTimeout(Duration.ofMinutes(1));
            Map<String, CancellableContext> tasks = new LinkedHashMap<>();
            tasks.put("main", main);
            tasks.put("main/sub1", sub1);
            tasks.put("main/sub1/leaf1", sub1.withCancel());
            tasks.put("main/sub1/leaf2", sub1.withTimeout(Duration.ofMinutes(1)));
            tasks.put("main/sub2", sub2);
            tasks.put("main/sub2/leaf1", sub2.withCancel());
            tasks.put("main/sub2/leaf2", sub2.withCancel());
            tasks.forEach((name, ctx) -> threads.put(name, start(name, ctx, reports)));

            sub2.cancel(new IllegalStateException("sub2 failed: disk quota exhausted"));
            joinSubtree(threads, "main/sub2");
            out.println("subtask 2 failed; its subtree stopped, the rest still runs:");
            print(out, threads, reports);

            main.cancel(new IllegalStateException("main aborted by the user"));
            joinSubtree(threads, "main");
            out.println("main task aborted:");
            print(out, threads, reports);
            tasks.values().forEach(CancellableContext::close); // defer cancel() of every task
        }
        out.println(reports.size() + " of " + threads.size() + " tasks stopped, each knows why");
    }

    /** A task: works until its context is done, then reports why. */
    private static Thread start(String name, Context ctx, Map<String, String> reports) {
        Thread thread = new Thread(
                () -> {
                    try {
                        ctx.done().await(); // the task's work loop, reduced to <-ctx.Done()
                        reports.put(
                                name,
                                "err=" + ctx.err().getMessage() + ", cause="
                                        + ctx.cause().getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "task " + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void joinSubtree(Map<String, Thread> threads, String prefix) throws InterruptedException {
        for (Map.Entry<String, Thread> e : threads.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                e.getValue().join(5_000);
            }
        }
    }

    private static void print(PrintStream out, Map<String, Thread> threads, Map<String, String> reports) {
        threads.keySet().forEach(name -> out.printf("  %-16s %s%n", name, reports.getOrDefault(name, "running")));
    }
}
