package dev.gocontext;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
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

/**
 * Linearizability of a small cancellation tree (parent, child) under concurrent cancel(cause),
 * err/cause reads, afterDone registration + stop, and child derivation, checked by Lincheck
 * against the sequential behaviour of the same operations. {@link #exactlyOnce()} also checks,
 * after each scenario, that every afterDone action ran exactly once or was stopped.
 *
 * <p>The parent's own state is deliberately not read: as in Go, an observer may see a canceled
 * parent whose child is not canceled yet while the canceling thread is still propagating. What
 * Go guarantees, and what this checks, is that when any cancel() call returns (also a second,
 * concurrent one), every descendant is done.
 *
 * <p>Public, as Lincheck requires; small settings, so that it fits the build's time on 2 cores.
 */
@Param(name = "cause", gen = IntGen.class, conf = "0:2")
public class CancelNodeLincheckTest {
    private static final Throwable[] CAUSES = {new Exception("cause0"), new Exception("cause1"), new Exception("cause2")
    };
    private static LeakDetection.Level savedLevel;

    private final CancellableContext parent = Context.background().withCancel();
    private final CancellableContext child = parent.withValue(Key.of("k"), 1).withCancel();
    private final CancellableContext grandchild = child.withCancel();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

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

    /** After every scenario: each action ran exactly once if the child is done and it was not stopped. */
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
                .iterations(2)
                .invocationsPerIteration(40)
                .threads(2)
                .actorsPerThread(3)
                .check(getClass());
    }

    /**
     * Model checking explores the interleavings of random scenarios plus two fixed ones, the
     * shapes of the bug it once found: a second cancel of a context whose first cancel is still
     * propagating, and a cancel of an ancestor while a descendant's own cancel is propagating.
     * In both, what the second thread observes after its cancel() returned must be done.
     */
    @Test
    void modelCheckingTest() {
        new ModelCheckingOptions()
                .iterations(4)
                .invocationsPerIteration(50)
                .threads(2)
                .actorsPerThread(3)
                .addCustomScenario(twoThreads(
                        List.of(call("cancelParent", 0)), List.of(call("cancelParent", 1), call("registerAndStop"))))
                .addCustomScenario(twoThreads(
                        List.of(call("cancelChild", 0)), List.of(call("cancelParent", 1), call("grandchildState"))))
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
