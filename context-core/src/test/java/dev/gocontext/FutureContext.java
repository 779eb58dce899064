package dev.gocontext;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A user-written {@link Context} that knows nothing of this library's internals: its done signal
 * is a plain {@link CompletableFuture}, it implements only the four Go methods and {@code cause()},
 * and it inherits every derivation method and {@code afterDone} from the interface's defaults.
 */
final class FutureContext implements Context {
    /** Completed (normally) when this context becomes done, after err and cause are set. */
    final CompletableFuture<Void> future = new CompletableFuture<>();

    private final Context values;
    private final Optional<Instant> deadline;
    private final boolean readOnlyStage;
    private volatile ContextException err;
    private volatile Throwable cause;

    /** A never-done-yet context with no values and no deadline. */
    FutureContext() {
        this(Context.background(), Optional.empty());
    }

    /** A context that answers {@code value()} from {@code values} (e.g. to carry a time source). */
    FutureContext(Context values, Optional<Instant> deadline) {
        this(values, deadline, false);
    }

    private FutureContext(Context values, Optional<Instant> deadline, boolean readOnlyStage) {
        this.values = values;
        this.deadline = deadline;
        this.readOnlyStage = readOnlyStage;
    }

    /**
     * A context whose {@code done().toCompletionStage()} returns a new read-only view ({@link
     * CompletableFuture#minimalCompletionStage()}) on every call, as this library's own contexts
     * do: every such view is one more dependent on {@link #future} until it completes.
     */
    static FutureContext withReadOnlyStage() {
        return new FutureContext(Context.background(), Optional.empty(), true);
    }

    /** Makes this context done; later calls change nothing. */
    synchronized void finish(ContextException err, Throwable cause) {
        if (this.err == null) {
            this.cause = cause;
            this.err = err;
            future.complete(null);
        }
    }

    /** As {@link #finish}, but completes the stage exceptionally, breaking the Done contract. */
    synchronized void finishExceptionally(ContextException err, Throwable cause) {
        if (this.err == null) {
            this.cause = cause;
            this.err = err;
            future.completeExceptionally(cause);
        }
    }

    @Override
    public Optional<Instant> deadline() {
        return deadline;
    }

    @Override
    public Done done() {
        return new FutureDone(future, true, readOnlyStage);
    }

    @Override
    public ContextException err() {
        return err;
    }

    @Override
    public Throwable cause() {
        return err == null ? null : cause;
    }

    @Override
    public <T> T value(Key<T> key) {
        return values.value(key);
    }

    @Override
    public String toString() {
        return "FutureContext";
    }
}
