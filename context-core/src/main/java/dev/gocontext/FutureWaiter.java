package dev.gocontext;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The future behind {@link Done#toCompletionStage()}: one per node, created on first use, completed
 * on the internal executor so that dependent stages never run on the thread that cancels.
 */
final class FutureWaiter extends Waiter {
    private final CompletableFuture<Void> future = new CompletableFuture<>();

    /** A view that callers cannot complete. */
    CompletionStage<Void> stage() {
        return future.minimalCompletionStage();
    }

    @Override
    void fire() {
        AfterDone.dispatch(() -> future.complete(null), AfterDone.defaultExecutor());
    }
}
