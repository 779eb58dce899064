package dev.gocontext.reactor;

import java.util.function.Predicate;

/** A search of an error's cause chain, bounded: a chain with a cycle must not loop forever. */
final class Causes {
    /** How deep the search looks. */
    private static final int MAX_DEPTH = 8;

    private Causes() {}

    /** Whether {@code error} or one of its first causes passes {@code test}. */
    static boolean any(Throwable error, Predicate<Throwable> test) {
        Throwable cause = error;
        for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++, cause = cause.getCause()) {
            if (test.test(cause)) {
                return true;
            }
        }
        return false;
    }
}
