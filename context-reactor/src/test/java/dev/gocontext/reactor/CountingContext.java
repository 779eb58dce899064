package dev.gocontext.reactor;

import dev.gocontext.CancellableContext;
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
 * A user-written context over a core context that counts the after-done actions registered on it
 * and not yet stopped or fired: what a long-lived ctx still references.
 */
final class CountingContext implements CancellableContext {
    final CancellableContext delegate;
    final AtomicInteger live = new AtomicInteger();
    final AtomicInteger registered = new AtomicInteger();

    CountingContext(CancellableContext delegate) {
        this.delegate = delegate;
    }

    static CountingContext over(CancellableContext delegate) {
        return new CountingContext(delegate);
    }

    int liveRegistrations() {
        return live.get();
    }

    @Override
    public Registration afterDone(Runnable action, Executor executor) {
        AtomicBoolean once = new AtomicBoolean();
        registered.incrementAndGet();
        live.incrementAndGet();
        Registration inner = delegate.afterDone(
                () -> {
                    if (once.compareAndSet(false, true)) {
                        live.decrementAndGet();
                    }
                    action.run();
                },
                executor);
        return () -> {
            boolean stopped = inner.stop();
            if (stopped && once.compareAndSet(false, true)) {
                live.decrementAndGet();
            }
            return stopped;
        };
    }

    @Override
    public Optional<Instant> deadline() {
        return delegate.deadline();
    }

    @Override
    public Done done() {
        return delegate.done();
    }

    @Override
    public ContextException err() {
        return delegate.err();
    }

    @Override
    public Throwable cause() {
        return delegate.cause();
    }

    @Override
    public <T> T value(Key<T> key) {
        return delegate.value(key);
    }

    @Override
    public void cancel() {
        delegate.cancel();
    }

    @Override
    public void cancel(Throwable cause) {
        delegate.cancel(cause);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public Context withoutCancel() {
        return delegate.withoutCancel();
    }
}
