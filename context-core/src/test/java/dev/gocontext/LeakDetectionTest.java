package dev.gocontext;

import static dev.gocontext.TestSupport.gcUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

    /** Collects the reports a listener is given; removes itself at the end of the test. */
    private final List<Registration> listeners = new ArrayList<>();

    @AfterEach
    void removeListeners() {
        listeners.forEach(Registration::stop);
    }

    private Received listen() {
        Received received = new Received();
        listeners.add(LeakDetection.addListener(received));
        return received;
    }

    static final class Received implements java.util.function.Consumer<LeakReport> {
        final List<LeakReport> reports = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void accept(LeakReport report) {
            threads.add(Thread.currentThread().getName());
            reports.add(report);
        }

        /** Runs the collector until a report whose context's name contains {@code name} arrives (bounded); returns it. */
        LeakReport await(String name) {
            assertThat(gcUntil(() -> reports.stream().anyMatch(r -> r.context().contains(name))))
                    .as("a report of %s", name)
                    .isTrue();
            return reports.stream()
                    .filter(r -> r.context().contains(name))
                    .findFirst()
                    .orElseThrow();
        }
    }

    private static final Key<Object> MARKER = Key.of("marker");

    private static void createAndDropMarked(Object marker) {
        Context.background().withValue(MARKER, marker).withCancel();
    }

    /** At ALL (and SAMPLED): what leaked and when, no creation site. */
    @Test
    void aReportSaysWhatLeakedAndWhen() {
        Received received = listen();
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        Instant before = Instant.now();
        createAndDropMarked("all");
        LeakReport report = received.await("context.Background.WithValue(marker, all).WithCancel");
        assertThat(report.detected()).isBetween(before, Instant.now());
        assertThat(report.creationSite()).isEmpty();
        assertThat(report.toString())
                .startsWith("LeakReport[context.Background.WithValue(marker, all).WithCancel, detected ");
        assertThat(received.threads).allSatisfy(t -> assertThat(t).startsWith("gocontext-leak-listener-"));
    }

    /** At PARANOID: the creation site too, from the caller of withCancel/withTimeout on. */
    @Test
    void aParanoidReportSaysWhereTheContextWasCreated() {
        Received received = listen();
        LeakDetection.setLevel(LeakDetection.Level.PARANOID);
        createAndDropParanoid();
        LeakReport report = received.await("context.Background.WithValue(marker, paranoid).WithCancel");
        StackTraceElement site = report.creationSite().get(0);
        assertThat(site.getClassName()).isEqualTo(LeakDetectionTest.class.getName());
        assertThat(site.getMethodName()).isEqualTo("createAndDropParanoid");
        assertThat(report.toString()).contains(" created at " + site);
        assertThatThrownBy(() -> report.creationSite().clear()).isInstanceOf(UnsupportedOperationException.class);

        dropATimeoutAtParanoid();
        StackTraceElement timeoutSite = received.await("context.Background.WithValue(marker, timeout).WithDeadline(")
                .creationSite()
                .get(0);
        assertThat(timeoutSite.getMethodName()).isEqualTo("dropATimeoutAtParanoid");
    }

    private static void dropATimeoutAtParanoid() {
        Context.background().withValue(MARKER, "timeout").withTimeout(Duration.ofHours(1)); // held by the system timer
    }

    /** At SAMPLED, a sampled context's leak is reported (without creation site). */
    @Test
    void aSampledLeakIsReported() {
        Received received = listen();
        LeakDetection.setLevel(LeakDetection.Level.SAMPLED);
        int trackedBefore = LeakDetector.trackedCount();
        int created = 0;
        while (LeakDetector.trackedCount() == trackedBefore) {
            createAndDropMarked("sampled"); // dropped at once: an untracked one is no leak to anybody
            assertThat(++created)
                    .as("one in %d is sampled", LeakDetector.SAMPLE_RATE)
                    .isLessThan(100_000);
        }
        LeakReport report = received.await("context.Background.WithValue(marker, sampled).WithCancel");
        assertThat(report.creationSite()).isEmpty();
    }

    /** DISABLED: nothing tracked, nothing reported. */
    @Test
    void disabledReportsNothing() {
        Received received = listen();
        LeakDetection.setLevel(LeakDetection.Level.DISABLED);
        for (int i = 0; i < 100; i++) {
            createAndDropMarked("disabled");
        }
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        createAndDropOneLeak(); // the canary: reported after anything before it
        received.await("context.Background.WithCancel");
        assertThat(received.reports)
                .extracting(LeakReport::context)
                .doesNotContain("context.Background.WithValue(marker, disabled).WithCancel");
    }

    /** The last RECENT_LEAKS reports are kept, oldest first; listeners get every one, in order. */
    @Test
    void recentLeaksAreTheLastOnesAndBounded() {
        Received received = listen();
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        int leaks = LeakDetection.RECENT_LEAKS + 8;
        for (int i = 0; i < leaks; i++) {
            createAndDropMarked("ring-" + i);
        }
        assertThat(gcUntil(() -> received.reports.stream()
                                .filter(r -> r.context().contains("ring-"))
                                .count()
                        == leaks))
                .isTrue();
        quiesce();
        assertThat(LeakReports.waiting()).isZero();
        List<LeakReport> recent = LeakDetection.recentLeaks();
        assertThat(recent)
                .hasSize(LeakDetection.RECENT_LEAKS)
                .containsExactlyElementsOf(received.reports.subList(
                        received.reports.size() - LeakDetection.RECENT_LEAKS, received.reports.size()));
        assertThat(recent).isSortedAccordingTo(java.util.Comparator.comparing(LeakReport::detected));
        assertThatThrownBy(() -> recent.add(recent.get(0))).isInstanceOf(UnsupportedOperationException.class);
    }

    /** A stopped listener is told of nothing more; stop() says whether it removed it. */
    @Test
    void aStoppedListenerHearsNothingMore() {
        Received stopped = new Received();
        Registration registration = LeakDetection.addListener(stopped);
        assertThat(registration.stop()).isTrue();
        assertThat(registration.stop()).as("removed once").isFalse();
        Received canary = listen();
        LeakDetection.setLevel(LeakDetection.Level.ALL);
        createAndDropMarked("after-stop");
        canary.await("context.Background.WithValue(marker, after-stop).WithCancel");
        quiesce();
        assertThat(stopped.reports).isEmpty();
        assertThatThrownBy(() -> LeakDetection.addListener(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("listener");
    }

    /** A listener that throws: reported to its thread's handler; the others, and detection, go on. */
    @Test
    void aThrowingListenerBreaksNothing() throws Exception {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler saved = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        try {
            List<String> thrownFor = new CopyOnWriteArrayList<>();
            listeners.add(LeakDetection.addListener(report -> {
                thrownFor.add(report.context());
                throw new IllegalStateException("listener failed on " + report.context());
            }));
            Received after = listen();
            LeakDetection.setLevel(LeakDetection.Level.ALL);
            createAndDropMarked("throw-1");
            after.await("context.Background.WithValue(marker, throw-1).WithCancel");
            createAndDropMarked("throw-2");
            after.await("context.Background.WithValue(marker, throw-2).WithCancel");
            assertThat(thrownFor)
                    .contains(
                            "context.Background.WithValue(marker, throw-1).WithCancel",
                            "context.Background.WithValue(marker, throw-2).WithCancel");
            assertThat(uncaught)
                    .extracting(Throwable::getMessage)
                    .contains("listener failed on context.Background.WithValue(marker, throw-2).WithCancel");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(saved);
        }
    }

    /** Reports (kept, and given to a listener that keeps them) hold nothing of the leaked context. */
    @Test
    void aReportKeepsNothingOfTheContext() {
        Received received = listen();
        LeakDetection.setLevel(LeakDetection.Level.PARANOID);
        java.lang.ref.WeakReference<Object> value = leakAContextHolding("retention");
        received.await("context.Background.WithValue(marker, retention).WithCancel");
        assertThat(gcUntil(() -> value.get() == null))
                .as("the leaked context's value is collected while its report is kept")
                .isTrue();
        assertThat(LeakDetection.recentLeaks())
                .extracting(LeakReport::context)
                .contains("context.Background.WithValue(marker, retention).WithCancel");
    }

    /** Leaks a context whose value is a fresh object named {@code name}; a weak reference to the value. */
    private static java.lang.ref.WeakReference<Object> leakAContextHolding(String name) {
        Object value = new Object() {
            @Override
            public String toString() {
                return name;
            }
        };
        createAndDropMarked(value);
        return new java.lang.ref.WeakReference<>(value);
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
