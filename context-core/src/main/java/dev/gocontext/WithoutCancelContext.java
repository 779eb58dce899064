package dev.gocontext;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** {@link Context#withoutCancel()}: the parent's values, never done. Go's {@code withoutCancelCtx}. */
final class WithoutCancelContext implements Context, Derived {
    /** Where values come from; never a {@link TrackedHandle}. */
    final Context parent;

    WithoutCancelContext(Context parent) {
        this.parent = parent;
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.empty();
    }

    @Override
    public Done done() {
        return Done.never();
    }

    @Override
    public @Nullable ContextException err() {
        return null;
    }

    @Override
    public @Nullable Throwable cause() {
        return null;
    }

    @Override
    public <T> @Nullable T value(Key<T> key) {
        return ValueContext.lookup(parent, key);
    }

    @Override
    public String toString() {
        return Derived.nameOf(this);
    }

    @Override
    public Context parent() {
        return parent;
    }

    @Override
    public String nameSuffix() {
        return ".WithoutCancel";
    }
}
