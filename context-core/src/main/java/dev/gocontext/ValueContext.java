package dev.gocontext;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A context that binds one key: Go's {@code valueCtx}, with a faster lookup.
 *
 * <p>Go walks the parent chain on every {@code Value()} call. Here each value context carries a
 * flat array of every binding visible from it (up to the nearest user-written ancestor, whose
 * {@code value()} has the last word, or up to {@link #MAX_FLAT_BINDINGS}), each key once, plus a
 * 64-bit filter of the keys in it. The pairs are ordered by their key's filter bit, so the
 * position of a key is the number of filter bits below its own: a missing key costs one AND, a
 * present one a population count and one comparison, whatever the depth and the number of values.
 * Two keys share a bit only when a process has made more than 64 keys; then the pair at the
 * computed position may be the other key's, and the lookup scans the array instead. Rebinding a
 * key replaces it, so the array never holds shadowed values.
 */
final class ValueContext implements Context {
    /** Beyond this many bindings a new segment starts, so withValue never copies more. */
    static final int MAX_FLAT_BINDINGS = 32;

    private static final Object[] NO_BINDINGS = {};

    /** What this context was derived from; for {@link #toString()} only. */
    private final Context parent;

    /** The nearest ancestor that is not a value context: it answers deadline, done, err, cause. */
    private final Context base;

    /** Where lookups of keys not in {@link #bindings} continue, or null if nowhere. */
    private final @Nullable Context fallback;

    /**
     * key0, value0, key1, value1, ...: each key once, ordered by {@link Key#bit} (lowest first) as
     * long as no two keys share a bit. Immutable.
     */
    private final Object[] bindings;

    /** The OR of {@link Key#bit} over the keys in {@link #bindings}. */
    private final long filter;

    /** Where this context's own binding is in {@link #bindings}; for {@link #toString()}. */
    private final int own;

    private ValueContext(
            Context parent, Context base, @Nullable Context fallback, Object[] bindings, long filter, int own) {
        this.parent = parent;
        this.base = base;
        this.fallback = fallback;
        this.bindings = bindings;
        this.filter = filter;
        this.own = own;
    }

    /** {@code parent.withValue(key, value)}; {@code parent} is never a {@link TrackedHandle}. */
    static ValueContext derive(Context parent, Key<?> key, @Nullable Object value) {
        Context base = parent instanceof ValueContext v ? v.base : parent;
        Object[] inherited = NO_BINDINGS;
        long filter = 0;
        Context fallback = null;
        Context visible = visibleBindings(parent);
        if (visible instanceof ValueContext v) {
            inherited = v.bindings;
            filter = v.filter;
            fallback = v.fallback;
        } else if (visible != null) {
            fallback = visible; // a user-written ancestor answers for everything above it
        }
        Object[] bindings;
        int at = (filter & key.bit) != 0 ? indexOf(inherited, filter, key) : -1;
        if (at >= 0) {
            // rebinding: the new value replaces the shadowed one in place
            bindings = inherited.clone();
        } else if (inherited.length >= 2 * MAX_FLAT_BINDINGS) {
            // start a new segment; the parent answers for the keys above
            bindings = new Object[2];
            filter = 0;
            fallback = parent;
            at = 0;
        } else {
            at = position(filter, key);
            bindings = new Object[inherited.length + 2];
            System.arraycopy(inherited, 0, bindings, 0, at);
            System.arraycopy(inherited, at, bindings, at + 2, inherited.length - at);
        }
        bindings[at] = key;
        bindings[at + 1] = value;
        return new ValueContext(parent, base, fallback, bindings, filter | key.bit, at);
    }

    /**
     * Where the pair of {@code key} belongs in bindings whose keys have the bits of {@code filter}:
     * after the pairs of all lower bits.
     */
    private static int position(long filter, Key<?> key) {
        return Long.bitCount(filter & (key.bit - 1)) << 1;
    }

    /**
     * The context whose bindings are visible from {@code ctx}: the nearest value context or
     * user-written context on the path up, or null if there are no bindings at all.
     */
    private static @Nullable Context visibleBindings(Context ctx) {
        Context c = ctx;
        while (true) {
            if (c instanceof CancelNode n) {
                c = n.parent;
            } else if (c instanceof WithoutCancelContext w) {
                c = w.parent;
            } else if (c instanceof EmptyContext) {
                return null;
            } else {
                return c; // a ValueContext, or a user-written context
            }
        }
    }

    /**
     * The index of {@code key} in {@code bindings} (whose keys have the bits of {@code filter}, and
     * {@code key}'s bit among them), or -1: the computed position, else a scan when two keys share
     * a bit.
     */
    private static int indexOf(Object[] bindings, long filter, Key<?> key) {
        int at = position(filter, key);
        if (bindings[at] == key) {
            return at;
        }
        for (int i = bindings.length - 2; i >= 0; i -= 2) {
            if (bindings[i] == key) {
                return i;
            }
        }
        return -1;
    }

    /** The nearest ancestor that is not a value context. */
    Context base() {
        return base;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T value(Key<T> key) {
        Objects.requireNonNull(key, "key");
        if ((filter & key.bit) != 0) {
            int at = indexOf(bindings, filter, key);
            if (at >= 0) {
                return (T) bindings[at + 1];
            }
        }
        Context next = fallback;
        return next == null ? null : next.value(key);
    }

    @Override
    public Optional<Instant> deadline() {
        return base.deadline();
    }

    @Override
    public Done done() {
        return base.done();
    }

    @Override
    public @Nullable ContextException err() {
        return base.err();
    }

    @Override
    public @Nullable Throwable cause() {
        return base.cause();
    }

    @Override
    public Registration afterDone(Runnable action, Executor executor) {
        return base.afterDone(action, executor);
    }

    @Override
    public String toString() {
        return parent + ".WithValue(" + bindings[own] + ", " + bindings[own + 1] + ")";
    }
}
