package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
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
        return NeverDone.INSTANCE;
    }

    @Override
    public final @Nullable ContextException err() {
        return null;
    }

    @Override
    public final @Nullable Throwable cause() {
        return null;
    }

    /** {@link Context#background()} and {@link Context#todo()}: never done, no deadline, no values. */
    static final class EmptyContext extends NeverCanceledContext {
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

    /** {@link Context#withoutCancel()}: the parent's values, never done. Go's {@code withoutCancelCtx}. */
    static final class WithoutCancelContext extends NeverCanceledContext implements Named {
        /** Where values come from; never a {@link LeakDetector.TrackedHandle}. */
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
            return Named.nameOf(this);
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

    /** {@link Done#never()}: Go's nil channel. Waiting on it blocks until the thread is interrupted. */
    static final class NeverDone implements Done {
        static final NeverDone INSTANCE = new NeverDone();

        /** Never completed; callers get a minimal stage, so nobody can complete it. */
        private static final CompletionStage<Void> NEVER = new CompletableFuture<Void>().minimalCompletionStage();

        private NeverDone() {}

        @Override
        public boolean isDone() {
            return false;
        }

        @Override
        public void await() throws InterruptedException {
            Object forever = new Object();
            synchronized (forever) {
                while (true) {
                    forever.wait();
                }
            }
        }

        @Override
        public boolean await(Duration timeout) throws InterruptedException {
            long nanos = Instants.saturatedNanos(Objects.requireNonNull(timeout, "timeout"));
            if (nanos <= 0) {
                return false;
            }
            if (nanos >= Instants.FOREVER_NANOS) {
                await();
            }
            TimeUnit.NANOSECONDS.sleep(nanos);
            return false;
        }

        @Override
        public CompletionStage<Void> toCompletionStage() {
            return NEVER;
        }

        @Override
        public String toString() {
            return "Done.never";
        }
    }
}
