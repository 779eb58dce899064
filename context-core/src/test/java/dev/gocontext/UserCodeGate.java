package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stands for user code (a user-written context's {@code done()}, a {@code stop()} of a user's
 * registration or timer): records every thread that runs it, and once {@link #close()}d, blocks
 * every later caller until {@link #open()}, as a slow user method would. Tests use it to prove
 * which threads run user code, and that a blocked user method holds up nothing else.
 */
final class UserCodeGate implements AutoCloseable {
    private final Set<Thread> callers = ConcurrentHashMap.newKeySet();
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile boolean closed;

    /** From now on, user code blocks until {@link #open()}. */
    void closeGate() {
        closed = true;
    }

    /** Releases every blocked caller, and lets later ones through. */
    void open() {
        closed = false;
        opened.countDown();
    }

    /** Called by the user code this gate stands for. */
    void pass() {
        callers.add(Thread.currentThread());
        if (closed) {
            try {
                opened.await(PATIENCE.toMillis() * 6, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the library's shared timer thread ever ran this user code. */
    boolean ranOnTheTimerThread() {
        return callers.stream().anyMatch(t -> t.getName().startsWith("gocontext-timer"));
    }

    /** The names of the threads that ran this user code. */
    Set<String> callerNames() {
        return callers.stream().map(Thread::getName).collect(java.util.stream.Collectors.toSet());
    }

    @Override
    public void close() {
        open();
    }
}
