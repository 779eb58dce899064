package dev.gocontext;

import java.time.Instant;
import java.util.Optional;

/**
 * A user-written {@link Context} that wraps one of this library's contexts and forwards the Go
 * methods to it: Go's {@code otherContext} test type. Its {@code done()} is therefore one of ours,
 * and children derived from it should register directly with the wrapped context.
 */
final class DelegatingContext implements Context {
    final Context delegate;

    DelegatingContext(Context delegate) {
        this.delegate = delegate;
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
    public String toString() {
        return "DelegatingContext(" + delegate + ")";
    }
}
