package dev.gocontext;

import org.jspecify.annotations.Nullable;

/**
 * How a context ended: its error and, when it differs, its cause. A done context's state is
 * either the error itself (when the cause is the error, the common case, no allocation) or one
 * immutable {@code Completion}, so that {@code err()} and {@code cause()} are read from a single
 * volatile field and can never be seen torn.
 */
final class Completion {
    final ContextException err;
    final Throwable cause;

    private Completion(ContextException err, Throwable cause) {
        this.err = err;
        this.cause = cause;
    }

    /** The state for a context done with {@code err}; a null cause means the error itself. */
    static Object of(ContextException err, @Nullable Throwable cause) {
        return cause == null || cause == err ? err : new Completion(err, cause);
    }

    /** The state of a context that ended because a user-written parent is done. */
    static Object ofForeign(Context parent) {
        ContextException err = parent.err();
        if (err == null) {
            // A parent whose done() fired but whose err() is still null breaks the Context
            // contract; treat it as a plain cancellation rather than leaving the child undone.
            err = Context.CANCELED;
        }
        return of(err, parent.cause());
    }

    static @Nullable ContextException errOf(@Nullable Object state) {
        if (state == null) {
            return null;
        }
        return state instanceof ContextException e ? e : ((Completion) state).err;
    }

    static @Nullable Throwable causeOf(@Nullable Object state) {
        if (state == null) {
            return null;
        }
        return state instanceof ContextException e ? e : ((Completion) state).cause;
    }
}
