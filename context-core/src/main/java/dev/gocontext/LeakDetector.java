package dev.gocontext;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Tracks cancellable contexts per {@link LeakDetection#level()} and reports the ones whose handle
 * is collected before they are done. A daemon thread waits on the reference queue while anything
 * is tracked, and ends when nothing is.
 */
final class LeakDetector {
    /** {@link LeakDetection.Level#SAMPLED} tracks one context in this many (a power of two). */
    static final int SAMPLE_RATE = 128;

    private static final long IDLE_MILLIS = 30_000;

    /** Leak reports name the context by at most about this many characters of its name. */
    private static final int NAME_LIMIT = 300;

    private static final System.Logger LOG = System.getLogger(LeakDetection.class.getName());

    private static final ReferenceQueue<TrackedHandle> QUEUE = new ReferenceQueue<>();

    /** Keeps probes reachable until their handle is canceled or collected. */
    private static final Set<LeakProbe> TRACKED = ConcurrentHashMap.newKeySet();

    private static final AtomicBoolean FIRST_LEAK_LOGGED = new AtomicBoolean();

    // Guarded by LeakDetector.class for writes; read without the lock first (tracking is frequent,
    // starting the reaper rare). The reaper thread, null when none runs.
    private static volatile @Nullable Thread reaper;

    private LeakDetector() {}

    /** The handle to give the user for {@code node}: the node itself, or a tracked handle. */
    static CancellableContext track(CancelNode node) {
        LeakDetection.Level level = LeakDetection.level();
        if (level == LeakDetection.Level.DISABLED
                || (level == LeakDetection.Level.SAMPLED
                        && (ThreadLocalRandom.current().nextInt() & (SAMPLE_RATE - 1)) != 0)
                || node.isDone()) {
            return node;
        }
        TrackedHandle handle = new TrackedHandle(node);
        Throwable creation = level == LeakDetection.Level.PARANOID
                ? new Throwable("a context created here was never canceled: " + Named.nameOf(node, NAME_LIMIT))
                : null;
        LeakProbe probe = new LeakProbe(handle, node, creation, QUEUE);
        handle.probe = probe;
        TRACKED.add(probe);
        ensureReaper();
        return handle;
    }

    static void untrack(LeakProbe probe) {
        TRACKED.remove(probe);
        probe.clear();
    }

    /** Makes the next leak the first again, logged at WARNING; for tests. */
    static void resetFirstLeakWarning() {
        FIRST_LEAK_LOGGED.set(false);
    }

    /** Probes still tracked; for tests. */
    static int trackedCount() {
        return TRACKED.size();
    }

    private static void ensureReaper() {
        if (reaper == null) {
            startReaper();
        }
    }

    private static synchronized void startReaper() {
        if (reaper == null) {
            Thread t = new Thread(LeakDetector::reap, "gocontext-leak-detector");
            t.setDaemon(true);
            reaper = t;
            t.start();
        }
    }

    private static void reap() {
        while (true) {
            Reference<? extends TrackedHandle> ref;
            try {
                ref = QUEUE.remove(IDLE_MILLIS);
            } catch (InterruptedException e) {
                ref = null;
            }
            if (ref == null) {
                synchronized (LeakDetector.class) {
                    if (TRACKED.isEmpty()) {
                        reaper = null;
                        return;
                    }
                }
                continue;
            }
            LeakProbe probe = (LeakProbe) ref;
            if (TRACKED.remove(probe) && !probe.node.isDone()) {
                ContextStats.recordLeak();
                try {
                    report(probe);
                } catch (RuntimeException | Error e) {
                    AfterDone.report(e); // a failing logger must not end leak detection
                }
            }
        }
    }

    private static void report(LeakProbe probe) {
        String name = Named.nameOf(probe.node, NAME_LIMIT);
        if (probe.creation != null) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "context leak: " + name + " was dropped without cancel(); use try-with-resources",
                    probe.creation);
        } else if (FIRST_LEAK_LOGGED.compareAndSet(false, true)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "context leak: " + name
                            + " was dropped without cancel(); use try-with-resources. Run with -D"
                            + LeakDetection.PROPERTY + "=paranoid to see where leaked contexts are created."
                            + " Further leaks are counted in ContextStats.leaked() and logged at DEBUG.");
        } else {
            LOG.log(System.Logger.Level.DEBUG, "context leak: {0}", name);
        }
    }

    /**
     * The user's handle of a cancellable context that leak detection tracks. Nothing in the library
     * references it: parents, children and timers hold the {@link CancelNode} behind it, so the
     * handle becomes unreachable exactly when the user drops it, and its {@link LeakProbe} can tell.
     */
    static final class TrackedHandle implements CancellableContext {
        final CancelNode node;

        // Set once by LeakDetector.track before the handle is returned to the user.
        @Nullable
        LeakProbe probe;

        TrackedHandle(CancelNode node) {
            this.node = node;
        }

        @Override
        public void cancel() {
            cancel(null);
        }

        @Override
        public void cancel(@Nullable Throwable cause) {
            try {
                node.cancel(cause);
                LeakProbe p = probe;
                if (p != null) {
                    probe = null;
                    untrack(p);
                }
            } finally {
                // keeps the handle reachable until the node is done, so it is never seen as a leak
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public void close() {
            cancel();
        }

        @Override
        public Optional<Instant> deadline() {
            return node.deadline();
        }

        @Override
        public Done done() {
            return node.done();
        }

        @Override
        public @Nullable ContextException err() {
            return node.err();
        }

        @Override
        public @Nullable Throwable cause() {
            return node.cause();
        }

        @Override
        public <T> @Nullable T value(Key<T> key) {
            return node.value(key);
        }

        @Override
        public Registration afterDone(Runnable action, Executor executor) {
            return node.afterDone(action, executor);
        }

        @Override
        public String toString() {
            return node.toString();
        }
    }

    /**
     * Watches one {@link TrackedHandle}: enqueued by the garbage collector once the handle is
     * unreachable. It references the node (to ask whether it is done), never the handle.
     */
    static final class LeakProbe extends PhantomReference<TrackedHandle> {
        final CancelNode node;

        /** Where the context was created; only at {@link LeakDetection.Level#PARANOID}. */
        final @Nullable Throwable creation;

        LeakProbe(
                TrackedHandle handle,
                CancelNode node,
                @Nullable Throwable creation,
                ReferenceQueue<? super TrackedHandle> queue) {
            super(handle, queue);
            this.node = node;
            this.creation = creation;
        }
    }
}
