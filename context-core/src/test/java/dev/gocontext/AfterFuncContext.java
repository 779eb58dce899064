package dev.gocontext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A user-written {@link Context} that also implements {@link #afterDone(Runnable, Executor)} with
 * its own registry, like the {@code afterFuncContext} of Go's tests: derived children must
 * register through it (no thread, no polling) and unregister when they are canceled first.
 */
final class AfterFuncContext implements Context {
    private final Map<Object, Runnable> afterFuncs = new LinkedHashMap<>();
    private final CompletableFuture<Void> future = new CompletableFuture<>();
    private ContextException err;
    private Throwable cause;

    /** The number of actions registered and neither run nor stopped. */
    synchronized int registered() {
        return afterFuncs.size();
    }

    /** Makes this context done and runs the registered actions on the calling thread. */
    void finish(ContextException err, Throwable cause) {
        List<Runnable> toRun;
        synchronized (this) {
            if (this.err != null) {
                return;
            }
            this.err = err;
            this.cause = cause;
            toRun = new ArrayList<>(afterFuncs.values());
            afterFuncs.clear();
        }
        future.complete(null);
        toRun.forEach(Runnable::run);
    }

    @Override
    public Registration afterDone(Runnable action, Executor executor) {
        Object key = new Object();
        synchronized (this) {
            if (err == null) {
                afterFuncs.put(key, () -> executor.execute(action));
                return () -> {
                    synchronized (AfterFuncContext.this) {
                        return afterFuncs.remove(key) != null;
                    }
                };
            }
        }
        executor.execute(action);
        return () -> false;
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.empty();
    }

    @Override
    public Done done() {
        return new FutureDone(future, false);
    }

    @Override
    public synchronized ContextException err() {
        return err;
    }

    @Override
    public synchronized Throwable cause() {
        return cause;
    }

    @Override
    public <T> T value(Key<T> key) {
        return null;
    }

    @Override
    public String toString() {
        return "AfterFuncContext";
    }
}
