package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** Helpers shared by the context-core tests: a manual clock, bounded GC loops, thread snapshots. */
final class TestSupport {
    /** The start of every manual clock in these tests. */
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** How long a test waits for something that should happen promptly (generous: 2 shared cores). */
    static final Duration PATIENCE = Duration.ofSeconds(10);

    private TestSupport() {}

    static ManualTimeSource manualClock() {
        return TimeSource.manual(T0);
    }

    /** A root whose deadlines are driven by {@code time}. */
    static Context rootOn(ManualTimeSource time) {
        return Context.background().withTimeSource(time);
    }

    /**
     * Runs the garbage collector until {@code condition} holds or {@link #PATIENCE} passes.
     *
     * @return whether the condition held
     */
    static boolean gcUntil(BooleanSupplier condition) {
        long end = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            System.gc();
            // also churn a little, so that collectors that ignore System.gc() still make progress
            byte[][] churn = new byte[64][];
            for (int i = 0; i < churn.length; i++) {
                churn[i] = new byte[16 * 1024];
            }
            sleep(Duration.ofMillis(10));
        }
        return true;
    }

    /**
     * The seed of a random test: {@code -Dgocontext.seed} when given (to replay a failure), else a
     * fresh one. Printed, so that every run can be replayed; put it in failure messages too.
     */
    static long seed(String test) {
        Long replay = Long.getLong("gocontext.seed");
        long seed = replay != null ? replay : new java.util.SplittableRandom().nextLong();
        System.out.println(test + ": seed " + seed + " (replay with -Dgocontext.seed=" + seed + ")");
        return seed;
    }

    /** Waits, up to {@link #PATIENCE}, for {@code condition}; fails with {@code what} if it never holds. */
    static void awaitTrue(BooleanSupplier condition, String what) {
        awaitTrue(condition, what, PATIENCE);
    }

    /** Waits, up to {@code bound}, for {@code condition}; fails with {@code what} if it never holds. */
    static void awaitTrue(BooleanSupplier condition, String what, Duration bound) {
        long end = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - end)
                    .as("still waiting for: %s", what)
                    .isNegative();
            sleep(Duration.ofMillis(1));
        }
    }

    /** Asserts that {@code ref}'s referent becomes unreachable within {@link #PATIENCE}. */
    static void assertCollected(WeakReference<?> ref, String what) {
        assertThat(gcUntil(() -> ref.get() == null))
                .as("%s should become unreachable", what)
                .isTrue();
    }

    /** Runs a few full collections and reports whether {@code ref} is still reachable afterwards. */
    static boolean survivesGc(WeakReference<?> ref) {
        for (int i = 0; i < 5; i++) {
            System.gc();
            sleep(Duration.ofMillis(10));
        }
        return ref.get() != null;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The live threads whose names start with {@code prefix}. */
    static Set<Thread> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix))
                .collect(Collectors.toSet());
    }

    /** A chain of {@code depth} contexts, alternating cancel and value contexts, under {@code root}. */
    static ArrayList<Context> chain(Context root, int depth, Key<Integer> key) {
        ArrayList<Context> chain = new ArrayList<>(depth);
        Context c = root;
        for (int i = 0; i < depth; i++) {
            c = (i % 2 == 0) ? c.withCancel() : c.withValue(key, i);
            chain.add(c);
        }
        return chain;
    }
}
