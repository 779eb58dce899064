package dev.gocontext;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A context that binds one key: Go's {@code valueCtx}, with a faster lookup.
 *
 * <p>Go walks the parent chain on every {@code Value()} call. Here each value context carries a
 * flat array of every binding visible from it (up to the nearest user-written ancestor, whose
 * {@code value()} has the last word, or up to {@link #MAX_FLAT_BINDINGS}), newest last and each key
 * once, plus a 64-bit filter of the keys in it. A missing key costs one AND; a present one a short
 * scan of adjacent slots, whatever the depth. Rebinding a key replaces it, so the array never holds
 * shadowed values.
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

    /** key0, value0, key1, value1, ...: this context's own binding is the last pair. Immutable. */
    private final Object[] bindings;

    /** The OR of {@link Key#bit} over the keys in {@link #bindings}. */
    private final long filter;

    private ValueContext(Context parent, Context base, @Nullable Context fallback, Object[] bindings, long filter) {
        this.parent = parent;
        this.base = base;
        this.fallback = fallback;
        this.bindings = bindings;
        this.filter = filter;
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
        int existing = (filter & key.bit) != 0 ? indexOf(inherited, key) : -1;
        if (existing >= 0) {
            // rebinding: drop the shadowed pair, append the new one
            bindings = new Object[inherited.length];
            System.arraycopy(inherited, 0, bindings, 0, existing);
            System.arraycopy(inherited, existing + 2, bindings, existing, inherited.length - existing - 2);
        } else if (inherited.length >= 2 * MAX_FLAT_BINDINGS) {
            // start a new segment; the parent answers for the keys above
            bindings = new Object[2];
            filter = 0;
            fallback = parent;
        } else {
            bindings = Arrays.copyOf(inherited, inherited.length + 2);
        }
        bindings[bindings.length - 2] = key;
        bindings[bindings.length - 1] = value;
        return new ValueContext(parent, base, fallback, bindings, filter | key.bit);
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

    private static int indexOf(Object[] bindings, Key<?> key) {
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
    public <T> @Nullable T value(Key<T> key) {
        return lookup(this, key);
    }

    /**
     * Go's {@code value()} walk from {@code start}: a loop, not a recursion, so that chains of any
     * depth work. It passes over this library's contexts and stops at the first binding of {@code
     * key}, at a root, or at a user-written context, whose {@code value()} has the last word.
     */
    @SuppressWarnings("unchecked")
    static <T> @Nullable T lookup(Context start, Key<T> key) {
        Objects.requireNonNull(key, "key");
        Context c = start;
        while (true) {
            if (c instanceof ValueContext v) {
                if ((v.filter & key.bit) != 0) {
                    Object[] b = v.bindings;
                    for (int i = b.length - 2; i >= 0; i -= 2) {
                        if (b[i] == key) {
                            return (T) b[i + 1];
                        }
                    }
                }
                Context next = v.fallback;
                if (next == null) {
                    return null;
                }
                c = next;
            } else if (c instanceof CancelNode n) {
                c = n.parent;
            } else if (c instanceof WithoutCancelContext w) {
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
        return parent + ".WithValue(" + bindings[bindings.length - 2] + ", " + bindings[bindings.length - 1] + ")";
    }
}
