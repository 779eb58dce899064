package dev.gocontext;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A context that binds one key: Go's {@code valueCtx}, with a constant-time lookup.
 *
 * <p>Go walks the parent chain on every {@code Value()} call. Here each value context carries
 * every binding visible from it in one flat array (up to the nearest user-written ancestor, whose
 * {@code value()} has the last word, or up to {@link #MAX_FLAT_BINDINGS}), each key once, plus a
 * 64-bit filter of the keys' bits ({@link Key#bit}). The array has two parts:
 *
 * <ul>
 *   <li>primary: one pair per distinct bit, ordered by bit, so the pair of a key whose bit is set
 *       sits at {@code 2 * bitCount(filter & (bit - 1))}: one popcount, one comparison;
 *   <li>overflow: keys whose bit is already taken by another key (only when a JVM creates more
 *       than 64 keys), scanned linearly.
 * </ul>
 *
 * A missing key costs one AND. Rebinding a key replaces its value in place, so the array never
 * holds shadowed values.
 */
final class ValueContext implements Context, Named {
    /** Beyond this many bindings a new segment starts, so withValue never copies more. */
    static final int MAX_FLAT_BINDINGS = 32;

    private static final Object[] NO_BINDINGS = {};

    /** What this context was derived from; for its name only. */
    private final Context parent;

    /** The key this context binds; for its name only. */
    private final Key<?> key;

    /** The nearest ancestor that is not a value context: it answers deadline, done, err, cause. */
    private final Context base;

    /** Where lookups of keys not in {@link #bindings} continue, or null if nowhere. */
    private final @Nullable Context fallback;

    /** key, value, key, value, ...: the primary pairs by bit, then the overflow. Immutable. */
    private final Object[] bindings;

    /** The OR of {@link Key#bit} over the keys in {@link #bindings}. */
    private final long filter;

    private ValueContext(
            Context parent, Key<?> key, Context base, @Nullable Context fallback, Object[] bindings, long filter) {
        this.parent = parent;
        this.key = key;
        this.base = base;
        this.fallback = fallback;
        this.bindings = bindings;
        this.filter = filter;
    }

    /** {@code parent.withValue(key, value)}; {@code parent} is never a {@link LeakDetector.TrackedHandle}. */
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
        int existing = (filter & key.bit) != 0 ? indexOf(inherited, filter, key) : -1;
        Object[] bindings;
        if (existing >= 0) {
            bindings = inherited.clone();
            bindings[existing + 1] = value;
        } else if (inherited.length >= 2 * MAX_FLAT_BINDINGS) {
            // start a new segment; the parent answers for the keys above
            bindings = new Object[] {key, value};
            filter = key.bit;
            fallback = parent;
        } else {
            int at = (filter & key.bit) == 0 ? primaryIndex(filter, key.bit) : inherited.length;
            bindings = new Object[inherited.length + 2];
            System.arraycopy(inherited, 0, bindings, 0, at);
            bindings[at] = key;
            bindings[at + 1] = value;
            System.arraycopy(inherited, at, bindings, at + 2, inherited.length - at);
            filter |= key.bit;
        }
        return new ValueContext(parent, key, base, fallback, bindings, filter);
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
            } else if (c instanceof NeverCanceledContext.WithoutCancelContext w) {
                c = w.parent;
            } else if (c instanceof NeverCanceledContext.EmptyContext) {
                return null;
            } else {
                return c; // a ValueContext, or a user-written context
            }
        }
    }

    /** Where the primary pair for {@code bit} is, or goes. */
    private static int primaryIndex(long filter, long bit) {
        return Long.bitCount(filter & (bit - 1)) << 1;
    }

    /** The index of {@code key}'s pair, or -1; its bit must be set in {@code filter}. */
    private static int indexOf(Object[] bindings, long filter, Key<?> key) {
        int primary = primaryIndex(filter, key.bit);
        if (bindings[primary] == key) {
            return primary;
        }
        for (int i = Long.bitCount(filter) << 1; i < bindings.length; i += 2) {
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

    /** The common case in one step: the key is bound here, in its primary slot; else the walk. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> @Nullable T value(Key<T> key) {
        long bit = Objects.requireNonNull(key, "key").bit;
        if ((filter & bit) != 0) {
            int i = primaryIndex(filter, bit);
            if (bindings[i] == key) {
                return (T) bindings[i + 1];
            }
        }
        return lookup(this, key);
    }

    /**
     * Go's {@code value()} walk from {@code start}: a loop, not a recursion, so that chains of any
     * depth work. It passes over this library's contexts and stops at the first binding of {@code
     * key}, at a root, or at a user-written context, whose {@code value()} has the last word.
     */
    @SuppressWarnings("unchecked")
    static <T> @Nullable T lookup(Context start, Key<T> key) {
        long bit = Objects.requireNonNull(key, "key").bit;
        Context c = start;
        while (true) {
            if (c instanceof ValueContext v) {
                if ((v.filter & bit) != 0) {
                    int i = indexOf(v.bindings, v.filter, key);
                    if (i >= 0) {
                        return (T) v.bindings[i + 1];
                    }
                }
                Context next = v.fallback;
                if (next == null) {
                    return null;
                }
                c = next;
            } else if (c instanceof CancelNode n) {
                c = n.parent;
            } else if (c instanceof NeverCanceledContext.WithoutCancelContext w) {
                c = w.parent;
            } else {
                return c.value(key); // a root, or a user-written context
            }
        }
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
        return Named.nameOf(this);
    }

    @Override
    public Context parent() {
        return parent;
    }

    @Override
    public String nameSuffix() {
        return ".WithValue(" + key + ", " + value(key) + ")";
    }
}
