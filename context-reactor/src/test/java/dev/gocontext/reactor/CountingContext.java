package dev.gocontext.reactor;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.Done;
import dev.gocontext.Key;
import dev.gocontext.Registration;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A user-written context over a core context that counts the after-done actions registered on it
 * and not yet stopped or fired: what a long-lived ctx still references.
 *
 * <p>Core registers the children of a parent whose {@code done()} is core's own directly in the
 * node behind it, not through {@code afterDone}; {@link #countingChildren} hides that signal, so
 * that children are counted as well.
 */
final class CountingContext implements CancellableContext {
    final CancellableContext delegate;
    final AtomicInteger live = new AtomicInteger();
    final AtomicInteger registered = new AtomicInteger();
    private final Done done;

    private CountingContext(CancellableContext delegate, Done done) {
        this.delegate = delegate;
        this.done = done;
    }

    /** Counts the actions registered through {@code afterDone}. */
    static CountingContext over(CancellableContext delegate) {
        return new CountingContext(delegate, delegate.done());
    }

    /** Counts the actions registered through {@code afterDone}, children derived from it included. */
    static CountingContext countingChildren(CancellableContext delegate) {
        Done inner = delegate.done();
        return new CountingContext(delegate, new Done() {
            @Override
            public boolean isDone() {
                return inner.isDone();
            }

            @Override
            public void await() throws InterruptedException {
                inner.await();
            }

            @Override
            public boolean await(Duration timeout) throws InterruptedException {
                return inner.await(timeout);
            }

            @Override
            public CompletionStage<Void> toCompletionStage() {
                return inner.toCompletionStage();
            }
        });
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
        return done;
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
