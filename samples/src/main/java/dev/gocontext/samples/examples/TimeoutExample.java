package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.io.PrintStream;
import java.time.Duration;

/**
 * A timeout beats a slower operation. Guide ({@code docs/GUIDE.md}): chapter 3, "Cancellation,
 * deadlines and timeouts".
 *
 * <p>Go's {@code select { case <-time.After(d): ... case <-ctx.Done(): ... }} under a {@code
 * context.WithTimeout}, in Java: {@code ctx.done().await(d)} returns {@code true} when the context
 * is done first. A 300 ms timeout against an operation of 5 s gives up after 300 ms; a 50 ms
 * operation under a 5 s timeout completes. The losing side is abandoned, so the program takes
 * about 350 ms, and each outcome has seconds of margin, whatever the load on the machine. Key line:
 * {@code gave up early: context deadline exceeded}.
 *
 * <pre>{@code ./demo.sh example timeout}</pre>
 */
public final class TimeoutExample {
    private TimeoutExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws InterruptedException {
        out.println("a 300 ms timeout against a 5 s operation:");
        race(out, Duration.ofMillis(300), Duration.ofSeconds(5));
        out.println("a 50 ms operation under a 5 s timeout:");
        race(out, Duration.ofSeconds(5), Duration.ofMillis(50));
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
