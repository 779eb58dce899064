package dev.gocontext;

import org.jspecify.annotations.Nullable;

/** {@link Context#withoutCancel()}: the parent's values, never done. Go's {@code withoutCancelCtx}. */
final class WithoutCancelContext extends NeverCanceledContext implements Derived {
    /** Where values come from; never a {@link TrackedHandle}. */
    final Context parent;

    WithoutCancelContext(Context parent) {
        this.parent = parent;
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
