package dev.gocontext;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A context that can never be done: no deadline, {@link Done#never()}, no error, no cause. The
 * roots ({@link EmptyContext}) and {@link Context#withoutCancel()} ({@link WithoutCancelContext});
 * children derived from it are never registered anywhere.
 */
abstract class NeverCanceledContext implements Context {
    @Override
    public final Optional<Instant> deadline() {
        return Optional.empty();
    }

    @Override
    public final Done done() {
        return Done.never();
    }

    @Override
    public final @Nullable ContextException err() {
        return null;
    }

    @Override
    public final @Nullable Throwable cause() {
        return null;
    }
}
