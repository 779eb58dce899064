package dev.gocontext;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The done signal of a context: Go's {@code <-ctx.Done()} channel, for Java threads and futures.
 *
 * <p>It becomes done once, when its context is canceled or its deadline passes, and stays done.
 * Blocking code waits with {@link #await()}; asynchronous code chains on {@link
 * #toCompletionStage()}; polling code checks {@link #isDone()}:
 *
 * <pre>{@code
 * // Go: select { case <-time.After(5 * time.Second): ... case <-ctx.Done(): ... }
 * if (ctx.done().await(Duration.ofSeconds(5))) {
 *     System.out.println("stopped early: " + ctx.err().getMessage());
 * } else {
 *     System.out.println("operation finished");
 * }
 * }</pre>
 *
 * <p>Contexts that can never be done (background, values over background, {@link
 * Context#withoutCancel()}) return {@link #never()}, Go's nil channel.
 */
public interface Done {
    /**
     * The signal of contexts that can never be done: {@link #isDone()} is always false, {@link
     * #await()} blocks until interrupted, and the completion stage never completes.
     */
    static Done never() {
        return NeverCanceledContext.NeverDone.INSTANCE;
    }

    /** Whether the context is done. Never blocks; once true, stays true. */
    boolean isDone();

    /**
     * Blocks until the context is done. Returns at once if it already is.
     *
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    void await() throws InterruptedException;

    /**
     * Blocks until the context is done or the timeout passes, whichever comes first.
     *
     * @param timeout how long to wait at most; zero or negative only checks; huge values mean
     *     "forever"
     * @return {@code true} if the context is done, {@code false} if the timeout passed first
     * @throws InterruptedException if the thread is interrupted while waiting
     * @throws NullPointerException if {@code timeout} is null
     */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * A stage that completes normally (with {@code null}) when the context is done. Callers cannot
     * complete it; dependent actions that are not {@code *Async} run on an internal thread, never
     * on the thread that called {@code cancel()}.
     *
     * <pre>{@code
     * ctx.done().toCompletionStage().thenRun(() -> log.info("request {} ended", id));
     * }</pre>
     */
    CompletionStage<Void> toCompletionStage();
}
