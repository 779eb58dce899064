package dev.gocontext;

import org.jspecify.annotations.Nullable;

/**
 * A context together with its cancel function: what Go's {@code WithCancel}, {@code
 * WithCancelCause}, {@code WithDeadline} and {@code WithTimeout} return as {@code (ctx, cancel)}.
 *
 * <p>Every cancellable context must be canceled when the work it governs ends, even if it already
 * timed out; otherwise it stays registered with its parent (and its timer stays scheduled) until
 * the parent is done. Try-with-resources is Java's {@code defer cancel()}:
 *
 * <pre>{@code
 * try (CancellableContext ctx = parent.withTimeout(Duration.ofMillis(200))) {
 *     return fetch(ctx, url);
 * } // cancel() runs here
 * }</pre>
 *
 * <p>A handle that becomes unreachable before it is canceled or done is reported as a leak (Go
 * vet's "lostcancel"); see {@link LeakDetection} and {@link ContextStats#leaked()}.
 */
public interface CancellableContext extends Context, AutoCloseable {
    /**
     * Cancels this context and all its descendants (Go's {@code CancelFunc}): {@code err()} and
     * {@code cause()} become {@link Context#CANCELED}. When this method returns, every descendant
     * derived through this library is done (also while other threads cancel the same tree: this
     * call never waits for them, it finishes their work), and this context is no longer referenced
     * by its parent. It still references its parent, whose values it keeps answering, as in Go.
     * Idempotent: a context that is already done keeps its error and cause.
     */
    void cancel();

    /**
     * Cancels this context and its descendants with a cause (Go's {@code CancelCauseFunc}): {@code
     * err()} becomes {@link Context#CANCELED} and {@code cause()} becomes {@code cause}. The first
     * cancellation wins; later calls change nothing.
     *
     * @param cause why; {@code null} behaves as {@link #cancel()}
     */
    void cancel(@Nullable Throwable cause);

    /** Same as {@link #cancel()}, so that try-with-resources is {@code defer cancel()}. */
    @Override
    void close();
}
