package dev.gocontext;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** {@link Context#background()} and {@link Context#todo()}: never done, no deadline, no values. */
final class EmptyContext implements Context {
    static final EmptyContext BACKGROUND = new EmptyContext("context.Background");
    static final EmptyContext TODO = new EmptyContext("context.TODO");

    private final String name;

    private EmptyContext(String name) {
        this.name = name;
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
    public <T> @Nullable T value(Key<T> key) {
        Objects.requireNonNull(key, "key");
        return null;
    }

    @Override
    public String toString() {
        return name;
    }
}
