package dev.gocontext.grpc;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Lets one thread end a call that is not thread-safe while the application may be using it on
 * another. gRPC's {@code ServerCall} and {@code ClientCall} must not be used by two threads at once,
 * but a ctx becomes done on whatever thread cancels it, or on a timer. So the application's
 * operations on the call go through {@link #enter()} / {@link #exit(boolean)}, and the ctx's end
 * through {@link #requestEnd()}: the end runs at once when no operation is in flight, else the last
 * operation in flight runs it on its way out. No lock is held while gRPC runs, and the ctx's thread
 * never waits. Once the call is ended (by the application or for the ctx), later operations are
 * refused, and the application's wrapper drops them.
 *
 * <p>The caller owns the end itself: {@link #requestEnd()} and {@link #exit(boolean)} return
 * {@code true} when the caller must run it now (exactly once in all).
 */
final class CallGate {
    /** The call is ended; every later operation is refused. Final. */
    private static final int ENDED = 1;
    /** The ctx asked for the end while operations were in flight; the last one out runs it. */
    private static final int END_PENDING = 2;
    /** What each operation in flight adds (the bits above the two flags count them). */
    private static final int ONE_OPERATION = 4;

    private static final AtomicIntegerFieldUpdater<CallGate> STATE =
            AtomicIntegerFieldUpdater.newUpdater(CallGate.class, "state");

    // ENDED | END_PENDING | ONE_OPERATION * operations in flight
    private volatile int state;

    /** Counts an application operation in; false if the call is ended or about to be (drop it). */
    boolean enter() {
        for (; ; ) {
            int s = state;
            if ((s & (ENDED | END_PENDING)) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s + ONE_OPERATION)) {
                return true;
            }
        }
    }

    /**
     * Counts an application operation out.
     *
     * @param endedByIt whether the operation ended the call (a close, a cancel)
     * @return whether the caller must now run the end the ctx asked for meanwhile
     */
    boolean exit(boolean endedByIt) {
        for (; ; ) {
            int s = state;
            int next = (s - ONE_OPERATION) | (endedByIt ? ENDED : 0);
            boolean runEnd = next == END_PENDING; // no operation left, not ended
            if (STATE.compareAndSet(this, s, runEnd ? ENDED : next)) {
                return runEnd;
            }
        }
    }

    /**
     * The ctx asks for the end of the call.
     *
     * @return whether the caller must run it now; false if the call is ended already or an
     *     operation in flight will run it
     */
    boolean requestEnd() {
        for (; ; ) {
            int s = state;
            if ((s & (ENDED | END_PENDING)) != 0) {
                return false;
            }
            if (s < ONE_OPERATION) {
                if (STATE.compareAndSet(this, s, ENDED)) {
                    return true;
                }
            } else if (STATE.compareAndSet(this, s, s | END_PENDING)) {
                return false;
            }
        }
    }

    /** Whether the call is ended. */
    boolean ended() {
        return (state & ENDED) != 0;
    }

    @Override
    public String toString() {
        int s = state;
        return "CallGate[" + ((s & ENDED) != 0 ? "ended" : (s & END_PENDING) != 0 ? "ending" : "open") + ", "
                + (s >>> 2) + " in flight]";
    }
}
