package dev.gocontext;

import java.lang.ref.Reference;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The user's handle of a cancellable context that leak detection tracks. Nothing in the library
 * references it: parents, children and timers hold the {@link CancelNode} behind it, so the handle
 * becomes unreachable exactly when the user drops it, and its {@link LeakProbe} can tell.
 */
final class TrackedHandle implements CancellableContext {
    final CancelNode node;

    // Set once by LeakDetector.track before the handle is returned to the user.
    @Nullable
    LeakProbe probe;

    TrackedHandle(CancelNode node) {
        this.node = node;
    }

    @Override
    public void cancel() {
        cancel(null);
    }

    @Override
    public void cancel(@Nullable Throwable cause) {
        try {
            node.cancel(cause);
            LeakProbe p = probe;
            if (p != null) {
                probe = null;
                LeakDetector.untrack(p);
            }
        } finally {
            // keeps the handle reachable until the node is done, so it is never seen as a leak
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public void close() {
        cancel();
    }

    @Override
    public Optional<Instant> deadline() {
        return node.deadline();
    }

    @Override
    public Done done() {
        return node.done();
    }

    @Override
    public @Nullable ContextException err() {
        return node.err();
    }

    @Override
    public @Nullable Throwable cause() {
        return node.cause();
    }

    @Override
    public <T> @Nullable T value(Key<T> key) {
        return node.value(key);
    }

    @Override
    public Registration afterDone(Runnable action, Executor executor) {
        return node.afterDone(action, executor);
    }

    @Override
    public String toString() {
        return node.toString();
    }
}
