package dev.gocontext.reactor.http;

import java.util.function.Supplier;

/**
 * Which of a handler and its request's deadline writes one response. A server adapter gives the
 * handler a guarded view of the response and answers {@code 504} itself when the deadline passes
 * first; the two race, and exactly one of them may ever write to the real response. The handler
 * claims the response when it starts to write it ({@link #forHandler()}), the deadline before
 * writing its {@code 504} ({@link #forDeadline()}); the first claim wins for good.
 *
 * <p>Changes the handler makes before writing (status, headers, cookies) go through {@link
 * #change(Runnable)}: each happens wholly before the deadline's claim, or not at all. The adapters
 * of this library use it; so can any other.
 *
 * <pre>{@code
 * ResponseClaim claim = new ResponseClaim();
 * // the handler's view:   claim.change(() -> real.header(name, value));
 * //                       claim.forHandler() ? real.send(body) : releaseAndComplete(body)
 * // at the deadline:      claim.forDeadline() ? write504(real) : closeTheConnection(real)
 * }</pre>
 */
public final class ResponseClaim {
    private static final int OPEN = 0;
    private static final int HANDLER = 1;
    private static final int DEADLINE = 2;

    // Held by every change of the handler's and by the claims: a change runs wholly before the
    // deadline's claim or sees it and is skipped.
    private final Object guard = new Object();

    // OPEN until the handler or the deadline claims the response, then HANDLER or DEADLINE for
    // good. Written under guard; read without it where a stale OPEN or HANDLER is harmless.
    private volatile int owner = OPEN;

    /** A response nobody has claimed yet. */
    public ResponseClaim() {}

    /**
     * The deadline's claim.
     *
     * @return true if the handler has not claimed the response: the caller alone writes the 504,
     *     and no change of the handler's reaches the response any more
     */
    public boolean forDeadline() {
        synchronized (guard) {
            if (owner != OPEN) {
                return false;
            }
            owner = DEADLINE;
            return true;
        }
    }

    /**
     * The handler's claim, as it starts to write.
     *
     * @return true if the handler owns the response (now or already); false if the deadline does,
     *     and the handler's write must be dropped (its buffers released)
     */
    public boolean forHandler() {
        synchronized (guard) {
            if (owner == OPEN) {
                owner = HANDLER;
            }
            return owner == HANDLER;
        }
    }

    /** Whether the deadline has claimed the response. */
    public boolean deadlineOwns() {
        return owner == DEADLINE;
    }

    /** Runs {@code change} unless the deadline has claimed the response; never while it claims it. */
    public void change(Runnable change) {
        synchronized (guard) {
            if (owner != DEADLINE) {
                change.run();
            }
        }
    }

    /**
     * Runs {@code action} while no claim can happen, and returns what it returns: what it sees of
     * {@link #deadlineOwns()} holds until it returns.
     */
    public <T> T locked(Supplier<T> action) {
        synchronized (guard) {
            return action.get();
        }
    }

    /** Runs {@code action} while no claim can happen: what it sees of {@link #deadlineOwns()} holds until it returns. */
    public void lockedRun(Runnable action) {
        synchronized (guard) {
            action.run();
        }
    }

    @Override
    public String toString() {
        return switch (owner) {
            case HANDLER -> "ResponseClaim[handler]";
            case DEADLINE -> "ResponseClaim[deadline]";
            default -> "ResponseClaim[open]";
        };
    }
}
