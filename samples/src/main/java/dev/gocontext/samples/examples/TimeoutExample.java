package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Scenario 1 (design notes, chapter 1 and section 2.5): a timeout beats a slower operation.
 *
 * <p>Go's {@code select { case <-time.After(5s): ... case <-ctx.Done(): ... }} with a 3 s timeout,
 * scaled to milliseconds (300 ms against 500 ms), then section 2.5's 100 ms against 200 ms, and the
 * opposite case where the operation wins. Key line: {@code gave up early: context deadline
 * exceeded}.
 *
 * <pre>{@code ./demo.sh example timeout}</pre>
 */
public final class TimeoutExample {
    private TimeoutExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws InterruptedException {
        out.println("ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second), scaled to ms:");
        race(out, Duration.ofMillis(300), Duration.ofMillis(500));
        out.println("section 2.5: a 200 ms slow operation under a 100 ms timeout:");
        race(out, Duration.ofMillis(100), Duration.ofMillis(200));
        out.println("and when the operation is faster than the timeout:");
        race(out, Duration.ofMillis(300), Duration.ofMillis(50));
    }

    /** Waits for {@code operation} to finish or the context to be done, whichever comes first. */
    static void race(PrintStream out, Duration timeout, Duration operation) throws InterruptedException {
        long start = System.nanoTime();
        try (CancellableContext ctx = Context.background().withTimeout(timeout)) { // defer cancel()
            out.println("  " + ctx);
            // select: the operation is time.After(operation); the other case is <-ctx.Done()
            boolean done = ctx.done().await(operation);
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            if (done) {
                out.println("  gave up early: " + ctx.err().getMessage() + " (after " + elapsed + " ms)");
            } else {
                out.println("  operation completed (after " + elapsed + " ms), ctx.err() = " + ctx.err());
            }
        }
    }
}
