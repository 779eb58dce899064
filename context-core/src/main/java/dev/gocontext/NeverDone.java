package dev.gocontext;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** {@link Done#never()}: Go's nil channel. Waiting on it blocks until the thread is interrupted. */
final class NeverDone implements Done {
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
