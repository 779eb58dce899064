package dev.gocontext;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * An after-done action outside a node's list: whoever first claims the action (firing or
 * stopping) wins, exactly once. The claim drops the action, so a stopped registration that stays
 * attached to a user-written context's future retains nothing of it.
 */
final class OnceRegistration implements Registration {
    private static final VarHandle ACTION;

    static {
        try {
            ACTION = MethodHandles.lookup().findVarHandle(OnceRegistration.class, "action", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Non-null until claimed; claimed by a single successful CAS to null.
    private volatile @Nullable Runnable action;

    private final Executor executor;

    /**
     * Completed by {@link #stop()}: the watch on a user-written context's stage waits for this
     * too, and a {@link CompletableFuture} drops a dependent once either of its sources completes,
     * so a long-lived context does not keep an entry per stopped registration.
     */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    OnceRegistration(Runnable action, Executor executor) {
        this.executor = executor;
        this.action = action;
    }

    /** Fires when {@code done} completes (normally or not), unless stopped first. */
    void watch(CompletionStage<Void> done) {
        done.runAfterEither(stopped, () -> {}).whenComplete((ignored, failure) -> fire());
    }

    void fire() {
        Runnable claimed = claim();
        if (claimed != null) {
            AfterDone.dispatch(claimed, executor);
        }
    }

    @Override
    public boolean stop() {
        if (claim() == null) {
            return false;
        }
        stopped.complete(null);
        return true;
    }

    private @Nullable Runnable claim() {
        Runnable current = action;
        return current != null && ACTION.compareAndSet(this, current, null) ? current : null;
    }
}
