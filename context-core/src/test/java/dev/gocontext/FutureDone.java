package dev.gocontext;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A user-written {@link Done} over a {@link CompletableFuture}, for the user-written test contexts. */
final class FutureDone implements Done {
    private final CompletableFuture<Void> future;
    private final boolean stageAllowed;
    private final boolean readOnlyView;

    /**
     * @param stageAllowed false to fail the test if anyone asks for the completion stage (a
     *     context with its own afterDone must be watched through that, not through the stage)
     */
    FutureDone(CompletableFuture<Void> future, boolean stageAllowed) {
        this(future, stageAllowed, false);
    }

    /** @param readOnlyView whether the completion stage is a new read-only view per call */
    FutureDone(CompletableFuture<Void> future, boolean stageAllowed, boolean readOnlyView) {
        this.future = future;
        this.stageAllowed = stageAllowed;
        this.readOnlyView = readOnlyView;
    }

    @Override
    public boolean isDone() {
        return future.isDone();
    }

    @Override
    public void await() throws InterruptedException {
        try {
            future.get();
        } catch (ExecutionException e) {
            // done, exceptionally
        }
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        try {
            future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    @Override
    public CompletionStage<Void> toCompletionStage() {
        if (!stageAllowed) {
            throw new AssertionError("derivation must use afterDone(), not the completion stage");
        }
        return readOnlyView ? future.minimalCompletionStage() : future;
    }
}
