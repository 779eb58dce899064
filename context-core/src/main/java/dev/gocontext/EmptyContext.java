package dev.gocontext;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** {@link Context#background()} and {@link Context#todo()}: never done, no deadline, no values. */
final class EmptyContext extends NeverCanceledContext {
    static final EmptyContext BACKGROUND = new EmptyContext("context.Background");
    static final EmptyContext TODO = new EmptyContext("context.TODO");

    private final String name;

    private EmptyContext(String name) {
        this.name = name;
    }

    @Override
    public <T> @Nullable T value(Key<T> key) {
        Objects.requireNonNull(key, "key");
        return null;
    }

    @Override
    public String toString() {
        return name;
    }
}
