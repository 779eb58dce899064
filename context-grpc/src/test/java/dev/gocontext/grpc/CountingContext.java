package dev.gocontext.grpc;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.Done;
import dev.gocontext.Key;
import dev.gocontext.Registration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ctx that counts the after-done actions still registered on it (neither stopped nor run): what a
 * long-lived ctx keeps referencing. Everything else is its parent's.
 */
final class CountingContext implements Context {
    private final Context parent;
    private final AtomicInteger live = new AtomicInteger();

    CountingContext(Context parent) {
        this.parent = parent;
    }

    /** Actions registered and neither stopped nor run. */
    int liveRegistrations() {
        return live.get();
    }

    @Override
    public Registration afterDone(Runnable action, Executor executor) {
        AtomicBoolean released = new AtomicBoolean();
        live.incrementAndGet();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                live.decrementAndGet();
            }
        };
        Registration registration = parent.afterDone(
                () -> {
                    release.run();
                    action.run();
                },
                executor);
        return () -> {
            boolean stopped = registration.stop();
            if (stopped) {
                release.run();
            }
            return stopped;
        };
    }

    @Override
    public Optional<Instant> deadline() {
        return parent.deadline();
    }

    @Override
    public Done done() {
        return parent.done();
    }

    @Override
    public ContextException err() {
        return parent.err();
    }

    @Override
    public Throwable cause() {
        return parent.cause();
    }

    @Override
    public <T> T value(Key<T> key) {
        return parent.value(key);
    }
}
