package dev.gocontext.samples.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.LeakDetection;
import dev.gocontext.samples.db.DbStatementStats;
import dev.gocontext.samples.load.LoadGenerator.Figures;
import dev.gocontext.samples.load.LoadGenerator.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A bounded load on the real server: 20,000 requests, 200 at a time, of which 20% disconnect early
 * and 10% exceed their deadline. Afterwards nothing is left behind: no leaked context, the active
 * contexts back to their baseline, no statement running, and no more live objects of the library's
 * classes than before the load (a class histogram of the heap after a full collection: it counts
 * the library's own objects, whatever else the shared test JVM holds). Tagged {@code load}; it runs
 * in the normal build ({@code mvn -B -ntp verify}, about a minute), and {@code
 * -DexcludedGroups=load} skips it.
 */
@Tag("load")
@Timeout(value = 10, unit = TimeUnit.MINUTES) // the load itself is bounded by 5
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"logging.level.dev.gocontext.samples.db=WARN", "logging.level.reactor.netty=WARN"})
class BoundedLoadTest {
    /** {@code -Dsamples.load.requests=N} changes it for experiments; the test's figure is 20,000. */
    static final int REQUESTS = Integer.getInteger("samples.load.requests", 20_000);

    static final int CONCURRENCY = 200;
    static final int WARM_UP = 1_000;

    /** A line of the class histogram: {@code "  12:   345   6789  dev.gocontext.CancelNode"}. */
    private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+(\\S+)");

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
            Map<String, Long> objectsBefore = liveLibraryObjects();

            Figures figures = load.run(REQUESTS, Duration.ofMinutes(5));

            awaitQuiet(activeBefore);
            Map<String, Long> objectsAfter = awaitNoMoreLibraryObjectsThan(objectsBefore);
            double leaksAfter = leaks();
            double activeAfter = activeContexts();
            long canceledStatements = DbStatementStats.global().canceled() - canceledStatementsBefore;

            System.out.printf(
                    "bounded load: warm-up %d requests; then %s"
                            + "gocontext.leaks %.0f -> %.0f; gocontext.contexts.active %.0f -> %.0f; "
                            + "statements canceled in the database: %d; statements running: %d%n"
                            + "live objects of the library after GC: %d -> %d%n",
                    warmUp.requests.sum(),
                    figures,
                    leaksBefore,
                    leaksAfter,
                    activeBefore,
                    activeAfter,
                    canceledStatements,
                    DbStatementStats.global().running(),
                    total(objectsBefore),
                    total(objectsAfter));

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
            assertThat(grown(objectsBefore, objectsAfter))
                    .as("classes of the library with more live objects than before the load")
                    .isEmpty();
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

    /**
     * Waits (bounded) until no class of the library has more live objects than in {@code before}:
     * objects of requests that just ended may wait for the leak detector's reference queue.
     */
    private static Map<String, Long> awaitNoMoreLibraryObjectsThan(Map<String, Long> before) {
        AtomicReference<Map<String, Long>> after = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    after.set(liveLibraryObjects());
                    assertThat(grown(before, after.get())).isEmpty();
                });
        return after.get();
    }

    /** The classes with more live objects in {@code after} than in {@code before}, with both counts. */
    private static Map<String, String> grown(Map<String, Long> before, Map<String, Long> after) {
        Map<String, String> grown = new TreeMap<>();
        after.forEach((type, count) -> {
            long was = before.getOrDefault(type, 0L);
            if (count > was) {
                grown.put(type, was + " -> " + count);
            }
        });
        return grown;
    }

    private static long total(Map<String, Long> objects) {
        return objects.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Live objects per class of the library ({@code dev.gocontext}, the samples' own classes
     * excepted), from the JVM's class histogram, which runs a full collection first.
     */
    private static Map<String, Long> liveLibraryObjects() {
        String histogram;
        try {
            histogram = (String) ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"),
                            "gcClassHistogram",
                            new Object[] {new String[0]},
                            new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("this JVM has no class histogram (HotSpot's DiagnosticCommand)", e);
        }
        Map<String, Long> objects = new TreeMap<>();
        for (String line : histogram.split("\n", -1)) {
            Matcher m = HISTOGRAM_LINE.matcher(line);
            if (m.find()
                    && m.group(2).startsWith("dev.gocontext.")
                    && !m.group(2).startsWith("dev.gocontext.samples.")) {
                objects.merge(m.group(2), Long.parseLong(m.group(1)), Long::sum);
            }
        }
        assertThat(objects).as("the library's classes in the class histogram").isNotEmpty();
        return objects;
    }
}
