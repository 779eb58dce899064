package dev.gocontext;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The watch of a user-written context's done signal: Go's {@code propagateCancel} for a parent
 * that is not one of ours (Go starts a goroutine per child; here there is one watch per parent,
 * and no thread). It is a hidden node whose list holds the children derived from the context and
 * the {@code afterDone} actions registered on it; one dependent on the context's completion stage
 * makes it done. So a long-lived user-written parent gets exactly one dependent, however many
 * children and actions come and go, and whatever its stage does with dependents (a read-only view
 * per call, as this library's own {@code Done} returns, keeps each one until it completes).
 *
 * <p>The watches live in a registry keyed weakly by the context, and held weakly too: the stage's
 * dependent keeps a watch alive exactly as long as the context, and nothing here keeps either.
 */
final class ParentWatch extends CancelNode {
    private static final Registry REGISTRY = new Registry();

    /** Whether a context class overrides {@link Context#afterDone(Runnable, Executor)}: then Go uses that. */
    private static final ClassValue<Boolean> OWN_AFTER_DONE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("afterDone", Runnable.class, Executor.class)
                                .getDeclaringClass()
                        != Context.class;
            } catch (NoSuchMethodException e) {
                throw new AssertionError("every Context has afterDone", e);
            }
        }
    };

    private ParentWatch(Context ctx) {
        super(ctx);
    }

    /** Whether {@code ctx} implements its own {@code afterDone}, which children must then use. */
    static boolean hasOwnAfterDone(Context ctx) {
        return OWN_AFTER_DONE.get(ctx.getClass());
    }

    /**
     * The watch of {@code ctx}, whose done signal {@code done} is not done yet and not one of
     * ours; created, and subscribed to the context's stage once, on first use.
     */
    static CancelNode of(Context ctx, Done done) {
        ParentWatch created;
        synchronized (REGISTRY) {
            ParentWatch existing = REGISTRY.get(ctx);
            if (existing != null) {
                return existing;
            }
            created = new ParentWatch(ctx);
            REGISTRY.put(ctx, created);
        }
        try {
            done.toCompletionStage().whenComplete((ignored, failure) -> created.finish(ctx));
        } catch (RuntimeException | Error e) {
            synchronized (REGISTRY) {
                REGISTRY.remove(ctx, created);
            }
            throw e;
        }
        return created;
    }

    /** The context is done (its stage completed, normally or not): so is everything watching it. */
    private void finish(Context ctx) {
        synchronized (REGISTRY) {
            REGISTRY.remove(ctx, this);
        }
        complete(Completion.ofForeign(ctx));
    }

    /** A watch is not a context the user created: it is not counted. */
    @Override
    void onDone(Object state) {}

    @Override
    public String nameSuffix() {
        return ".watch";
    }

    /**
     * Watches by context identity, with weak keys and weak values. Guarded by its own monitor;
     * only deriving from (or registering on) a user-written context takes it.
     */
    private static final class Registry {
        private final ReferenceQueue<Context> cleared = new ReferenceQueue<>();

        // identity hash of the context -> its entry (chained when two contexts share a hash)
        private final Map<Integer, Entry> entries = new HashMap<>();

        @Nullable
        ParentWatch get(Context ctx) {
            expungeCleared();
            for (Entry e = entries.get(System.identityHashCode(ctx)); e != null; e = e.next) {
                if (e.get() == ctx) {
                    return e.watch.get();
                }
            }
            return null;
        }

        void put(Context ctx, ParentWatch watch) {
            int hash = System.identityHashCode(ctx);
            remove(ctx, null);
            entries.put(hash, new Entry(ctx, hash, watch, entries.get(hash), cleared));
        }

        /** Removes the entry of {@code ctx} (only if it holds {@code watch}, when given). */
        void remove(Context ctx, @Nullable ParentWatch watch) {
            int hash = System.identityHashCode(ctx);
            unlink(hash, e -> e.get() == ctx && (watch == null || e.watch.get() == watch));
        }

        private void expungeCleared() {
            for (Object ref = cleared.poll(); ref != null; ref = cleared.poll()) {
                Entry gone = (Entry) ref;
                unlink(gone.hash, e -> e == gone);
            }
        }

        private void unlink(int hash, java.util.function.Predicate<Entry> match) {
            Entry previous = null;
            for (Entry e = entries.get(hash); e != null; previous = e, e = e.next) {
                if (match.test(e)) {
                    if (previous != null) {
                        previous.next = e.next;
                    } else if (e.next != null) {
                        entries.put(hash, e.next);
                    } else {
                        entries.remove(hash);
                    }
                    return;
                }
            }
        }

        /** A context, weakly, and its watch, weakly. */
        private static final class Entry extends WeakReference<Context> {
            final int hash;
            final WeakReference<ParentWatch> watch;

            @Nullable
            Entry next;

            Entry(Context ctx, int hash, ParentWatch watch, @Nullable Entry next, ReferenceQueue<Context> queue) {
                super(ctx, queue);
                this.hash = hash;
                this.watch = new WeakReference<>(watch);
                this.next = next;
            }
        }
    }
}
