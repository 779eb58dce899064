package dev.gocontext;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import kotlin.Unit;
import kotlin.jvm.functions.Function1;
import kotlin.reflect.KFunction;
import kotlin.reflect.jvm.ReflectJvmMapping;
import org.jetbrains.lincheck.datastructures.DSLScenarioBuilder;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linearizability of a small cancellation tree under concurrent cancel(cause), err/cause reads,
 * afterDone registration + stop, and child derivation, checked by Lincheck against the sequential
 * behaviour of the same operations. The tree has both shapes of a node's list: {@code child}
 * keeps one list (until contention spreads it), {@code parent} is striped from the start, as a
 * long-lived parent that many threads derive from becomes. {@link #exactlyOnce()} also checks,
 * after each scenario, that every afterDone action ran exactly once or was stopped, and that the
 * parent's stripes hold exactly the children still registered: none lost, none doubled.
 *
 * <p>The parent's own state is deliberately not read: as in Go, an observer may see a canceled
 * parent whose child is not canceled yet while the canceling thread is still propagating. What
 * Go guarantees, and what this checks, is that when any cancel() call returns (also a second,
 * concurrent one), every descendant is done.
 *
 * <p>Public, as Lincheck requires. The default depth takes about a minute; {@code
 * -Dgocontext.lincheck=deep} explores ten times as many scenarios, each with twice the
 * interleavings (about twenty minutes). It runs in a JVM of its own (the {@code lincheck} surefire
 * execution), with a bound of its own: on a heavily loaded runner a minute of exploration can take
 * several, and the module's 3-minute default would stop it half way.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Param(name = "cause", gen = IntGen.class, conf = "0:2")
public class CancelNodeLincheckTest {
    private static final Throwable[] CAUSES = {new Exception("cause0"), new Exception("cause1"), new Exception("cause2")
    };
    private static LeakDetection.Level savedLevel;

    private static final boolean DEEP = "deep".equals(System.getProperty("gocontext.lincheck"));

    private final CancellableContext parent = Context.background().withCancel();
    private final CancellableContext child = parent.withValue(Key.of("k"), 1).withCancel();
    private final CancellableContext grandchild = child.withCancel();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CancellableContext> keptChildren = new ConcurrentLinkedQueue<>();

    public CancelNodeLincheckTest() {
        ((CancelNode) Derive.unwrap(parent)).stripeNow();
    }

    @BeforeAll
    static void noLeakTracking() {
        // a tracked handle would start the leak detector's thread inside Lincheck's scenarios
        savedLevel = LeakDetection.level();
        LeakDetection.setLevel(LeakDetection.Level.DISABLED);
    }

    @AfterAll
    static void restoreLeakTracking() {
        LeakDetection.setLevel(savedLevel);
    }

    @Operation
    public void cancelParent(@Param(name = "cause") int cause) {
        parent.cancel(CAUSES[cause]);
    }

    @Operation
    public void cancelChild(@Param(name = "cause") int cause) {
        child.cancel(CAUSES[cause]);
    }

    @Operation
    public void cancelChildWithoutCause() {
        child.cancel();
    }

    @Operation
    public String childState() {
        return describe(child);
    }

    @Operation
    public String grandchildState() {
        return describe(grandchild);
    }

    /** Derives a grandchild: it must show the child's state (live, or done with its err and cause). */
    @Operation
    public String deriveGrandchild() {
        return describe(child.withCancel());
    }

    /** Derives a child from the striped parent and keeps it: live, or done with the parent's cause. */
    @Operation
    public String deriveUnderParent() {
        CancellableContext c = parent.withCancel();
        keptChildren.add(c);
        return describe(c);
    }

    /** Derives a child from the striped parent and cancels it: done with its own cause or the parent's. */
    @Operation
    public String deriveAndCancelUnderParent(@Param(name = "cause") int cause) {
        CancellableContext c = parent.withCancel();
        c.cancel(CAUSES[cause]);
        return describe(c);
    }

    /** Registers an action on the child and stops it: true only if the action never runs. */
    @Operation
    public boolean registerAndStop() {
        Outcome outcome = new Outcome();
        Registration registration = child.afterDone(outcome.runs::incrementAndGet, Runnable::run);
        outcome.stopped = registration.stop();
        outcomes.add(outcome);
        return outcome.stopped;
    }

    /** What became of one registered action. */
    static final class Outcome {
        final AtomicInteger runs = new AtomicInteger();
        volatile boolean stopped;
    }

    /**
     * After every scenario: each action ran exactly once if the child is done and it was not
     * stopped; the kept children of the parent are done exactly if the parent is, with its cause;
     * a live parent holds exactly its live children (the value child's node and the kept ones).
     */
    @Validate
    public void exactlyOnce() {
        boolean childDone = child.err() != null;
        for (Outcome o : outcomes) {
            int expected = !o.stopped && childDone ? 1 : 0;
            if (o.runs.get() != expected) {
                throw new IllegalStateException(
                        "action ran " + o.runs.get() + " times; stopped " + o.stopped + ", child done " + childDone);
            }
        }
        Throwable parentCause = parent.cause();
        for (CancellableContext kept : keptChildren) {
            if (kept.cause() != parentCause) {
                throw new IllegalStateException("kept child " + describe(kept) + ", parent " + describe(parent));
            }
        }
        int registered = ((CancelNode) Derive.unwrap(parent)).waiterCount();
        int expected = parentCause != null ? 0 : keptChildren.size() + (childDone ? 0 : 1);
        if (registered != expected) {
            throw new IllegalStateException("the parent holds " + registered + " waiters, expected " + expected);
        }
    }

    /** One read of the state: err first; once err is set, the cause is set for good. */
    private static String describe(Context ctx) {
        ContextException err = ctx.err();
        if (err == null) {
            return "live";
        }
        Throwable cause = ctx.cause();
        return err.getMessage() + " / " + (cause == null ? "torn: no cause" : cause.getMessage());
    }

    @Test
    void stressTest() {
        new StressOptions()
                .iterations(DEEP ? 150 : 15)
                .invocationsPerIteration(DEEP ? 700 : 350)
                .threads(2)
                .actorsPerThread(3)
                .check(getClass());
    }

    /**
     * Model checking explores the interleavings of random scenarios plus three fixed ones: a
     * second cancel of a context whose first cancel is still propagating, and a cancel of an
     * ancestor while a descendant's own cancel is propagating (in both, what the second thread
     * observes after its cancel() returned must be done); and two threads registering in and
     * leaving the striped parent's stripes while it is canceled.
     */
    @Test
    void modelCheckingTest() {
        new ModelCheckingOptions()
                .iterations(DEEP ? 150 : 15)
                .invocationsPerIteration(DEEP ? 340 : 170)
                .threads(2)
                .actorsPerThread(3)
                .addCustomScenario(twoThreads(
                        List.of(call("cancelParent", 0)), List.of(call("cancelParent", 1), call("registerAndStop"))))
                .addCustomScenario(twoThreads(
                        List.of(call("cancelChild", 0)), List.of(call("cancelParent", 1), call("grandchildState"))))
                .addCustomScenario(twoThreads(
                        List.of(call("deriveAndCancelUnderParent", 0), call("deriveUnderParent")),
                        List.of(call("deriveAndCancelUnderParent", 1), call("cancelParent", 2))))
                .check(getClass());
    }

    private record Call(String name, Object[] args) {}

    private static Call call(String name, Object... args) {
        return new Call(name, args);
    }

    private static Function1<DSLScenarioBuilder, Unit> twoThreads(List<Call> first, List<Call> second) {
        return scenario -> {
            scenario.parallel(parallel -> {
                for (List<Call> calls : List.of(first, second)) {
                    parallel.thread(thread -> {
                        calls.forEach(c -> thread.actor(operation(c.name()), c.args()));
                        return Unit.INSTANCE;
                    });
                }
                return Unit.INSTANCE;
            });
            return Unit.INSTANCE;
        };
    }

    private static KFunction<?> operation(String name) {
        Method method = Arrays.stream(CancelNodeLincheckTest.class.getMethods())
                .filter(m -> m.getName().equals(name))
                .findFirst()
                .orElseThrow();
        return Objects.requireNonNull(ReflectJvmMapping.getKotlinFunction(method));
    }
}
