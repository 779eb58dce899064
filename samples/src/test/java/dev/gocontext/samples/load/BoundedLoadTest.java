package dev.gocontext.samples.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.LeakDetection;
import dev.gocontext.samples.db.DbStatementStats;
import dev.gocontext.samples.load.LoadGenerator.Figures;
import dev.gocontext.samples.load.LoadGenerator.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A bounded load on the real server: 20,000 requests, 200 at a time, of which 20% disconnect early
 * and 10% exceed their deadline. Afterwards nothing is left behind: no leaked context, the active
 * contexts back to their baseline, no statement running, the heap (after GC) within 10% of where
 * it started. Tagged {@code load}; it runs in the normal build ({@code mvn -B -ntp verify}), and
 * {@code -DexcludedGroups=load} skips it.
 */
@Tag("load")
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"logging.level.dev.gocontext.samples.db=WARN", "logging.level.reactor.netty=WARN"})
class BoundedLoadTest {
    /** {@code -Dsamples.load.requests=N} changes it for experiments; the test's figure is 20,000. */
    static final int REQUESTS = Integer.getInteger("samples.load.requests", 20_000);

    static final int CONCURRENCY = 200;
    static final int WARM_UP = 1_000;

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry registry;

    private LeakDetection.Level previousLevel;

    @BeforeEach
    void trackEveryContext() {
        previousLevel = LeakDetection.level();
        LeakDetection.setLevel(LeakDetection.Level.ALL);
    }

    @AfterEach
    void restoreLeakDetection() {
        LeakDetection.setLevel(previousLevel);
    }

    @Test
    void twentyThousandRequestsLeaveNothingBehind() {
        try (LoadGenerator load = new LoadGenerator(port, CONCURRENCY)) {
            double activeAtStart = activeContexts();
            Figures warmUp = load.run(WARM_UP, Duration.ofMinutes(1));
            awaitQuiet(activeAtStart);

            double leaksBefore = leaks();
            double activeBefore = activeContexts();
            long canceledStatementsBefore = DbStatementStats.global().canceled();
            long heapBefore = heapAfterGc();

            Figures figures = load.run(REQUESTS, Duration.ofMinutes(5));

            awaitQuiet(activeBefore);
            long heapAfter = heapAfterGc();
            double leaksAfter = leaks();
            double activeAfter = activeContexts();
            long canceledStatements = DbStatementStats.global().canceled() - canceledStatementsBefore;

            System.out.printf(
                    "bounded load: warm-up %d requests; then %s"
                            + "gocontext.leaks %.0f -> %.0f; gocontext.contexts.active %.0f -> %.0f; "
                            + "statements canceled in the database: %d; statements running: %d%n"
                            + "heap after GC: %.1f MB -> %.1f MB (%+.1f%%)%n",
                    warmUp.requests.sum(),
                    figures,
                    leaksBefore,
                    leaksAfter,
                    activeBefore,
                    activeAfter,
                    canceledStatements,
                    DbStatementStats.global().running(),
                    heapBefore / 1e6,
                    heapAfter / 1e6,
                    (heapAfter - heapBefore) * 100.0 / heapBefore);

            assertThat(figures.requests.sum()).isEqualTo(REQUESTS);
            assertThat(figures.total().keySet())
                    .as("every answer is 200 or 504, or the client disconnected")
                    .isSubsetOf(200, 504, LoadGenerator.DISCONNECTED);
            assertOnly(figures, Kind.WORK_OK, 200);
            assertOnly(figures, Kind.DB_OK, 200);
            assertOnly(figures, Kind.WORK_DEADLINE, 504);
            assertOnly(figures, Kind.DB_DEADLINE, 504);
            assertOnly(figures, Kind.WORK_DISCONNECT, LoadGenerator.DISCONNECTED);
            assertOnly(figures, Kind.DB_DISCONNECT, LoadGenerator.DISCONNECTED);
            assertThat(canceledStatements)
                    .as("database statements stopped by deadlines and disconnects")
                    .isPositive();
            assertThat(leaksAfter).as("gocontext.leaks").isEqualTo(leaksBefore);
            assertThat(activeAfter).as("gocontext.contexts.active").isLessThanOrEqualTo(activeBefore);
            assertThat(DbStatementStats.global().running()).isZero();
            assertThat((double) heapAfter).as("heap after GC").isLessThanOrEqualTo(heapBefore * 1.10);
        }
    }

    private static void assertOnly(Figures figures, Kind kind, int outcome) {
        Map<Integer, Long> counts = figures.of(kind);
        assertThat(counts.keySet()).as("outcomes of %s: %s", kind, counts).containsExactly(outcome);
    }

    /** Waits until the server has finished every request: contexts back to the baseline, no statement. */
    private void awaitQuiet(double baseline) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    assertThat(activeContexts()).isLessThanOrEqualTo(baseline);
                    assertThat(DbStatementStats.global().running()).isZero();
                });
    }

    private double activeContexts() {
        return registry.get("gocontext.contexts.active").gauge().value();
    }

    private double leaks() {
        return registry.get("gocontext.leaks").functionCounter().count();
    }

    /** Used heap after full collections, once the leak detector had its chance to run. */
    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
