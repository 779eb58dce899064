package dev.gocontext;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What {@link LeakDetection} keeps of the leaks it found and whom it tells: the most recent {@link
 * LeakReport}s, and the listeners, to which reports are delivered on a thread of their own so that
 * no listener can hold up the detection of leaks.
 */
final class LeakReports {
    /**
     * Reports waiting for the listeners' thread, at most; beyond, a report is not delivered to
     * listeners (it is still counted, logged and kept in the recent ones).
     */
    static final int PENDING_LIMIT = 256;

    private static final System.Logger LOG = System.getLogger(LeakDetection.class.getName());

    // Guarded by RECENT's monitor (written by the leak detector's thread, read by any thread).
    // Invariant: at most LeakDetection.RECENT_LEAKS reports, oldest first.
    private static final ArrayDeque<LeakReport> RECENT = new ArrayDeque<>(LeakDetection.RECENT_LEAKS);

    // Copy-on-write: adding and removing listeners is rare; delivery iterates a snapshot, unlocked.
    // A listener removed during a delivery may still get the report being delivered.
    private static final CopyOnWriteArrayList<Listener> LISTENERS = new CopyOnWriteArrayList<>();

    // Guarded by WAITING's monitor: the reports waiting for the listeners' thread, oldest first
    // (at most PENDING_LIMIT), and whether a drain task is queued or running (at most one is, so
    // reports are delivered one at a time, in the order they were recorded).
    private static final ArrayDeque<LeakReport> WAITING = new ArrayDeque<>();
    private static boolean draining;

    // The listeners' thread: started on demand, ended when idle.
    private static final ElasticExecutor DELIVERY =
            new ElasticExecutor("gocontext-leak-listener-", 1, Duration.ofSeconds(30), Duration.ofSeconds(1));

    private LeakReports() {}

    /** Keeps {@code report} among the recent ones, and hands it to the listeners' thread; never blocks. */
    static void record(LeakReport report) {
        synchronized (RECENT) {
            if (RECENT.size() == LeakDetection.RECENT_LEAKS) {
                RECENT.removeFirst();
            }
            RECENT.addLast(report);
        }
        if (LISTENERS.isEmpty()) {
            return;
        }
        boolean full;
        boolean startDrain = false;
        synchronized (WAITING) {
            full = WAITING.size() >= PENDING_LIMIT;
            if (!full) {
                WAITING.addLast(report);
                startDrain = !draining;
                draining = true;
            }
        }
        if (full) {
            LOG.log(
                    System.Logger.Level.DEBUG,
                    "leak listeners are behind by {0} reports: not delivering {1}",
                    PENDING_LIMIT,
                    report.context());
        } else if (startDrain) {
            try {
                DELIVERY.execute(LeakReports::drain);
            } catch (RuntimeException | Error e) { // no thread could be started: the next report tries again
                synchronized (WAITING) {
                    draining = false;
                }
                AfterDone.report(e);
            }
        }
    }

    /** Delivers the waiting reports, oldest first, until none waits; the only drain running. */
    private static void drain() {
        while (true) {
            LeakReport next;
            synchronized (WAITING) {
                next = WAITING.pollFirst();
                if (next == null) {
                    draining = false;
                    return;
                }
            }
            deliver(next);
        }
    }

    static List<LeakReport> recent() {
        synchronized (RECENT) {
            return List.copyOf(RECENT);
        }
    }

    static Registration addListener(Consumer<? super LeakReport> listener) {
        Listener registered = new Listener(Objects.requireNonNull(listener, "listener"));
        LISTENERS.add(registered);
        return registered;
    }

    /** Reports waiting for the listeners' thread; for tests. */
    static int waiting() {
        synchronized (WAITING) {
            return WAITING.size();
        }
    }

    /** Tells every listener, in the order they were added; one that throws does not stop the others. */
    private static void deliver(LeakReport report) {
        for (Listener registered : LISTENERS) {
            try {
                registered.listener.accept(report);
            } catch (RuntimeException | Error e) {
                AfterDone.report(e); // the delivery thread's uncaught-exception handler
            }
        }
    }

    /** A listener added with {@link LeakDetection#addListener}; {@link #stop()} removes it. */
    private static final class Listener implements Registration {
        final Consumer<? super LeakReport> listener;

        Listener(Consumer<? super LeakReport> listener) {
            this.listener = listener;
        }

        @Override
        public boolean stop() {
            return LISTENERS.remove(this); // identity: Listener keeps Object's equals
        }
    }
}
