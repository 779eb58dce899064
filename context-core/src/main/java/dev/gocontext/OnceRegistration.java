package dev.gocontext;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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

    OnceRegistration(Runnable action, Executor executor) {
        this.executor = executor;
        this.action = action;
    }

    void fire() {
        Runnable claimed = claim();
        if (claimed != null) {
            AfterDone.dispatch(claimed, executor);
        }
    }

    @Override
    public boolean stop() {
        return claim() != null;
    }

    private @Nullable Runnable claim() {
        Runnable current = action;
        return current != null && ACTION.compareAndSet(this, current, null) ? current : null;
    }
}
