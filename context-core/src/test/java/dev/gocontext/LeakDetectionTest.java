package dev.gocontext;

import static dev.gocontext.TestSupport.gcUntil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Leak detection (Go vet's "lostcancel" at run time): a cancellable context whose handle is
 * dropped before it is done and without cancel() is counted in {@link ContextStats#leaked()},
 * even while its parent is alive; a closed, canceled, already-done or expired one never is.
 *
 * <p>Other tests create contexts in this JVM too, so every test first lets the leak detector
 * settle, then compares deltas; the canary technique (one deliberate leak, created last) proves
 * that the detector has processed everything before "nothing else was counted" is asserted.
 */
@Isolated
class LeakDetectionTest {
    private LeakDetection.Level savedLevel;

    @BeforeEach
    void settle() {
        savedLevel = LeakDetection.level();
        quiesce();
    }

    @AfterEach
    void restore() {
        LeakDetection.setLevel(savedLevel);
    }

    @Test
    void droppedHandlesAreCountedWhileTheParentIsAlive() {
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext parent = TestSupport.rootOn(time).withCancel();
        FutureContext futureParent = new FutureContext();
        AfterFuncContext afterFuncParent = new AfterFuncContext();
        StatsSnapshot before = StatsSnapshot.now();
        int trackedBefore = LeakDetector.trackedCount();

        List<CancellableContext> keptGrandchildren = new ArrayList<>();
        int leaks = dropChildrenOf(parent, futureParent, afterFuncParent, keptGrandchildren);

        assertThat(gcUntil(() -> StatsSnapshot.now().minus(before).leaked() >= leaks))
                .as("%d dropped handles should be reported", leaks)
                .isTrue();
        quiesce();
        assertThat(StatsSnapshot.now().minus(before).leaked()).isEqualTo(leaks);
        assertThat(StatsSnapshot.now().minus(before).active())
                .as("leaked contexts are never done: they stay active")
                .isEqualTo(leaks + keptGrandchildren.size());
        assertThat(LeakDetector.trackedCount()).isEqualTo(trackedBefore + keptGrandchildren.size());
        assertThat(parent.err()).isNull();

        keptGrandchildren.forEach(CancellableContext::cancel);
        parent.cancel();
        futureParent.finish(Context.CANCELED, Context.CANCELED);
        afterFuncParent.finish(Context.CANCELED, Context.CANCELED);
    }

    /** Creates and drops leaked children of every kind; returns how many. */
    private static int dropChildrenOf(
            CancellableContext parent,
            FutureContext futureParent,
            AfterFuncContext afterFuncParent,
            List<CancellableContext> kept) {
        parent.withCancel();
        parent.withValue(Key.of("k"), "v").withCancel();
        parent.withTimeout(Duration.ofHours(1)); // held by the manual clock's timer list
        Context.background().withTimeout(Duration.ofHours(1)); // held by the system timer
        CancellableContext withAction = parent.withCancel();
        withAction.afterDone(() -> {});
        withAction.done().toCompletionStage();
        CancellableContext withGrandchild = parent.withCancel();
        kept.add(withGrandchild.withCancel()); // the grandchild is kept; its parent's handle is not
        futureParent.withCancel();
        afterFuncParent.withCancel();
        return 8;
    }

    @Test
    void closedCanceledDoneAndExpiredHandlesAreNeverCounted() {
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        ManualTimeSource time = TestSupport.manualClock();
        StatsSnapshot before = StatsSnapshot.now();
        int trackedBefore = LeakDetector.trackedCount();

        createAndDropFinishedContexts(time);
        createAndDropOneLeak(); // the canary, created last

        assertThat(gcUntil(() -> StatsSnapshot.now().minus(before).leaked() >= 1
                        && LeakDetector.trackedCount() == trackedBefore))
                .as("the canary is reported and every probe is processed")
                .isTrue();
        quiesce();
        assertThat(StatsSnapshot.now().minus(before).leaked())
                .as("only the canary")
                .isEqualTo(1);
    }

    private static void createAndDropFinishedContexts(ManualTimeSource time) {
        Context root = TestSupport.rootOn(time);
        for (int i = 0; i < 100; i++) {
            try (CancellableContext closed = root.withCancel()) {
                closed.withValue(Key.of("k"), i);
            }
            root.withTimeout(Duration.ofSeconds(1)).cancel(new Exception("canceled with a cause"));
            CancellableContext done = root.withCancel();
            done.cancel();
            done.withCancel(); // already done when created
            done.withTimeout(Duration.ofSeconds(1));
            root.withTimeout(Duration.ZERO);
            root.withDeadline(TestSupport.T0.minusSeconds(1));
            root.withTimeout(Duration.ofSeconds(1)); // expires below, never canceled
            CancellableContext parent = root.withCancel();
            parent.withCancel(); // done through its parent, never canceled itself
            parent.cancel();
        }
        time.advance(Duration.ofSeconds(1));
    }

    private static void createAndDropOneLeak() {
        Context.background().withCancel();
    }

    @Test
    void disabledTracksNothing() {
        LeakDetection.setLevel(LeakDetection.Level.DISABLED);
        StatsSnapshot before = StatsSnapshot.now();
        int trackedBefore = LeakDetector.trackedCount();
        for (int i = 0; i < 1000; i++) {
            Context.background().withCancel();
        }
        assertThat(LeakDetector.trackedCount()).isEqualTo(trackedBefore);
        quiesce();
        assertThat(StatsSnapshot.now().minus(before).leaked()).isZero();
    }

    @Test
    void sampledTracksAFewAndReportsEachTrackedLeak() {
        LeakDetection.setLevel(LeakDetection.Level.SAMPLED);
        StatsSnapshot before = StatsSnapshot.now();
        int trackedBefore = LeakDetector.trackedCount();
        List<CancellableContext> handles = new ArrayList<>();
        for (int i = 0; i < 4096; i++) {
            handles.add(Context.background().withCancel());
        }
        int tracked = LeakDetector.trackedCount() - trackedBefore;
        // 4096 / 128 = 32 expected; the bounds fail with probability below 1e-12
        assertThat(tracked).isBetween(1, 200);
        handles.clear();

        assertThat(gcUntil(() -> LeakDetector.trackedCount() == trackedBefore)).isTrue();
        quiesce();
        assertThat(StatsSnapshot.now().minus(before).leaked()).isEqualTo(tracked);
    }

    @Test
    void paranoidLogsTheCreationStackThroughSystemLogger() {
        try (LogCapture log = new LogCapture()) {
            LeakDetection.setLevel(LeakDetection.Level.PARANOID);
            createAndDropParanoid();
            assertThat(gcUntil(() -> log.records.stream().anyMatch(r -> r.getThrown() != null)))
                    .isTrue();
            LogRecord record = log.records.stream()
                    .filter(r -> r.getThrown() != null)
                    .findFirst()
                    .orElseThrow();
            assertThat(record.getLevel()).isEqualTo(Level.WARNING);
            assertThat(record.getMessage()).contains("context.Background.WithValue(marker, paranoid).WithCancel");
            assertThat(record.getThrown().getStackTrace())
                    .anySatisfy(frame -> assertThat(frame.getMethodName()).isEqualTo("createAndDropParanoid"));
        }
    }

    /** Without a creation stack, the first leak is logged at WARNING with advice, the next ones at DEBUG. */
    @Test
    void theFirstLeakIsLoggedAtWarningAndTheNextOnesAtDebug() {
        try (LogCapture log = new LogCapture()) {
            LeakDetection.setLevel(LeakDetection.Level.ALL);
            LeakDetector.resetFirstLeakWarning();
            createAndDropOneLeak();
            assertThat(gcUntil(() -> log.records.size() >= 1)).isTrue();
            createAndDropOneLeak();
            createAndDropOneLeak();
            assertThat(gcUntil(() -> log.records.size() >= 3)).isTrue();
            quiesce();

            assertThat(log.records).hasSize(3);
            LogRecord first = log.records.get(0);
            assertThat(first.getLevel()).isEqualTo(Level.WARNING);
            assertThat(first.getMessage())
                    .contains("context.Background.WithCancel was dropped without cancel()")
                    .contains("-Dgocontext.leakDetection=paranoid");
            assertThat(log.records.subList(1, 3)).allSatisfy(r -> {
                assertThat(r.getLevel()).as("System.Logger's DEBUG").isEqualTo(Level.FINE);
                assertThat(r.getParameters()).containsExactly("context.Background.WithCancel");
            });
        }
    }

    /** setLevel decides for the contexts created after it; those created before keep their tracking. */
    @Test
    void setLevelAppliesToContextsCreatedFromNowOn() {
        LeakDetection.setLevel(LeakDetection.Level.DISABLED);
        StatsSnapshot before = StatsSnapshot.now();
        int trackedBefore = LeakDetector.trackedCount();
        List<CancellableContext> untracked = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            untracked.add(Context.background().withCancel());
        }
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        assertThat(LeakDetector.trackedCount())
                .as("not tracked afterwards either")
                .isEqualTo(trackedBefore);
        List<CancellableContext> tracked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            tracked.add(Context.background().withCancel());
        }
        assertThat(LeakDetector.trackedCount()).isEqualTo(trackedBefore + 3);
        LeakDetection.setLevel(LeakDetection.Level.DISABLED);
        assertThat(LeakDetector.trackedCount()).as("still tracked").isEqualTo(trackedBefore + 3);

        untracked.clear();
        tracked.clear();
        assertThat(gcUntil(() -> LeakDetector.trackedCount() == trackedBefore)).isTrue();
        quiesce();
        assertThat(StatsSnapshot.now().minus(before).leaked())
                .as("only the contexts created while the level was ALL")
                .isEqualTo(3);
    }

    /** -Dgocontext.leakDetection: a level's name in any case, trimmed; blank or absent means SAMPLED. */
    @Test
    void thePropertyIsParsedIgnoringCaseAndBlanks() {
        try (LogCapture log = new LogCapture()) {
            assertThat(LeakDetection.parse("paranoid")).isEqualTo(LeakDetection.Level.PARANOID);
            assertThat(LeakDetection.parse("PaRaNoId")).isEqualTo(LeakDetection.Level.PARANOID);
            assertThat(LeakDetection.parse(" all\t")).isEqualTo(LeakDetection.Level.ALL);
            assertThat(LeakDetection.parse("DISABLED")).isEqualTo(LeakDetection.Level.DISABLED);
            assertThat(LeakDetection.parse("sampled")).isEqualTo(LeakDetection.Level.SAMPLED);
            assertThat(LeakDetection.parse(null)).isEqualTo(LeakDetection.Level.SAMPLED);
            assertThat(LeakDetection.parse("")).isEqualTo(LeakDetection.Level.SAMPLED);
            assertThat(LeakDetection.parse("   ")).isEqualTo(LeakDetection.Level.SAMPLED);
            assertThat(log.records).as("nothing to warn about").isEmpty();
        }
    }

    /** An invalid value is reported at WARNING, naming the property and the value, and the default applies. */
    @Test
    void anInvalidPropertyIsReportedAndTheDefaultApplies() {
        try (LogCapture log = new LogCapture()) {
            assertThat(LeakDetection.parse("everything")).isEqualTo(LeakDetection.Level.SAMPLED);
            assertThat(log.records).hasSize(1);
            LogRecord warning = log.records.get(0);
            assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
            assertThat(java.text.MessageFormat.format(warning.getMessage(), warning.getParameters()))
                    .contains("-Dgocontext.leakDetection=everything")
                    .contains("using sampled");
        }
    }

    /** The property is read when the library starts: a JVM of its own, started with it. */
    @Test
    void thePropertySetsTheInitialLevelOfANewJvm() throws Exception {
        assertThat(levelOfANewJvmWith("-Dgocontext.leakDetection=Paranoid").lines())
                .contains("PARANOID");
        String bogus = levelOfANewJvmWith("-Dgocontext.leakDetection=bogus");
        assertThat(bogus.lines()).contains("SAMPLED");
        assertThat(bogus).contains("WARNING: ignoring -Dgocontext.leakDetection=bogus");
    }

    /** Starts a JVM on this classpath that prints the initial level; returns its output (stdout, stderr). */
    private static String levelOfANewJvmWith(String property) throws Exception {
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        property,
                        PrintInitialLevel.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(TestSupport.PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** The main of {@link #levelOfANewJvmWith}. */
    static final class PrintInitialLevel {
        public static void main(String[] args) {
            System.out.println(LeakDetection.level());
            System.out.flush();
        }
    }

    /** Captures what is logged to {@code dev.gocontext.LeakDetection} (through System.Logger's JUL backend), at every level. */
    static final class LogCapture extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger("dev.gocontext.LeakDetection");
        private final Level savedLevel = logger.getLevel();
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        LogCapture() {
            logger.setLevel(Level.ALL);
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(savedLevel);
        }
    }

    private static void createAndDropParanoid() {
        Context.background().withValue(Key.of("marker"), "paranoid").withCancel();
    }

    @Test
    void levelIsSettableAndReadable() {
        for (LeakDetection.Level level : LeakDetection.Level.values()) {
            LeakDetection.setLevel(level);
            assertThat(LeakDetection.level()).isSameAs(level);
        }
        assertThat(LeakDetection.PROPERTY).isEqualTo("gocontext.leakDetection");
    }

    /** Lets the detector process whatever is already unreachable: GC until nothing changes. */
    static void quiesce() {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int stableRounds = 0;
        long lastLeaked = -1;
        int lastTracked = -1;
        while (stableRounds < 3 && System.nanoTime() - end < 0) {
            System.gc();
            TestSupport.sleep(Duration.ofMillis(20));
            long leaked = ContextStats.global().leaked();
            int tracked = LeakDetector.trackedCount();
            stableRounds = leaked == lastLeaked && tracked == lastTracked ? stableRounds + 1 : 0;
            lastLeaked = leaked;
            lastTracked = tracked;
        }
    }
}
