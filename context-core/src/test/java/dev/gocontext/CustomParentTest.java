package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static dev.gocontext.TestSupport.T0;
import static dev.gocontext.TestSupport.assertCollected;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * User-written {@link Context} implementations as parents: their cancellation reaches the
 * children derived from them, without a thread per parent (Go's TestCustomContextPropagation,
 * TestCustomContextAfterFunc*), and a child canceled first leaves nothing behind.
 */
class CustomParentTest {
    static final Throwable PARENT_CAUSE = new Exception("custom parent done");

    @Test
    void futureBackedParentPropagatesErrAndCauseToEveryKindOfChild() throws InterruptedException {
        ManualTimeSource time = TestSupport.manualClock();
        FutureContext parent = new FutureContext(TestSupport.rootOn(time), Optional.empty());
        CancellableContext cancelChild = parent.withCancel();
        CancellableContext timerChild = parent.withTimeout(Duration.ofHours(1));
        Context valueChild = parent.withValue(Key.of("k"), "v");
        CancellableContext grandchild = valueChild.withCancel();
        assertThat(List.of(cancelChild, timerChild, grandchild))
                .allSatisfy(c -> assertThat(c.err()).isNull());

        parent.finish(Context.DEADLINE_EXCEEDED, PARENT_CAUSE);

        for (Context c : List.of(cancelChild, timerChild, valueChild, grandchild)) {
            assertThat(c.done().await(PATIENCE)).as("%s", c).isTrue();
            assertThat(c.err()).as("%s", c).isSameAs(Context.DEADLINE_EXCEEDED);
            assertThat(c.cause()).as("%s", c).isSameAs(PARENT_CAUSE);
        }
        assertThat(time.pendingTimers()).as("the child's timer is released").isZero();
    }

    @Test
    void deriveFromAnAlreadyDoneUserWrittenParentIsDoneAtOnce() {
        FutureContext parent = new FutureContext();
        parent.finish(Context.CANCELED, PARENT_CAUSE);
        CancellableContext child = parent.withCancel();
        assertThat(child.done().isDone()).isTrue();
        assertThat(child.err()).isSameAs(Context.CANCELED);
        assertThat(child.cause()).isSameAs(PARENT_CAUSE);
        CancellableContext timed = parent.withTimeout(Duration.ofSeconds(5), new Exception("unused"));
        assertThat(timed.cause()).isSameAs(PARENT_CAUSE);
    }

    @Test
    void userWrittenParentsDeadlineIsRespected() {
        ManualTimeSource time = TestSupport.manualClock();
        FutureContext parent = new FutureContext(TestSupport.rootOn(time), Optional.of(T0.plusSeconds(1)));
        CancellableContext child = parent.withDeadline(T0.plusSeconds(10), new Exception("unused"));
        assertThat(child.deadline()).contains(T0.plusSeconds(1));
        assertThat(time.pendingTimers())
                .as("the parent's deadline is earlier: no timer")
                .isZero();
        child.cancel();
    }

    /** Go's TestCustomContextGoroutines: no goroutine (here: thread) per user-written parent. */
    @Test
    void noThreadPerUserWrittenParent() throws InterruptedException {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        int activeBefore = Thread.activeCount();
        List<FutureContext> parents = new ArrayList<>();
        List<CancellableContext> children = new ArrayList<>();
        ManualTimeSource time = TestSupport.manualClock();
        Context root = TestSupport.rootOn(time);
        for (int i = 0; i < 200; i++) {
            FutureContext parent = new FutureContext(root, Optional.empty());
            parents.add(parent);
            children.add(parent.withCancel());
            children.add(parent.withValue(Key.of("k"), i).withTimeout(Duration.ofSeconds(i + 1)));
        }
        assertThat(Thread.activeCount() - activeBefore).isLessThan(10);
        assertThat(newGocontextThreads(before)).isEmpty();

        parents.forEach(p -> p.finish(Context.CANCELED, PARENT_CAUSE));
        for (CancellableContext c : children) {
            assertThat(c.done().await(PATIENCE)).isTrue();
            assertThat(c.cause()).isSameAs(PARENT_CAUSE);
        }
        assertThat(Thread.activeCount() - activeBefore).isLessThan(10);
        assertThat(newGocontextThreads(before)).isEmpty();
    }

    private static List<String> newGocontextThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t))
                .map(Thread::getName)
                .filter(n -> n.startsWith("gocontext-"))
                // the one shared leak-detection daemon may start when a sampled handle is created
                .filter(n -> !n.equals("gocontext-leak-detector"))
                .toList();
    }

    /** Go's TestCustomContextAfterFuncCancel / Timeout: children register through afterDone. */
    @Test
    void parentWithItsOwnAfterDoneIsUsedForPropagation() {
        AfterFuncContext parent = new AfterFuncContext();
        CancellableContext child = parent.withCancel();
        CancellableContext timed = parent.withTimeout(Duration.ofHours(1000));
        assertThat(parent.registered()).isEqualTo(2);
        parent.finish(Context.CANCELED, PARENT_CAUSE);
        assertThat(child.err()).isSameAs(Context.CANCELED);
        assertThat(child.cause()).isSameAs(PARENT_CAUSE);
        assertThat(timed.cause()).isSameAs(PARENT_CAUSE);
    }

    /** Go's TestCustomContextAfterFuncUnregisterCancel / UnregisterTimeout. */
    @Test
    void childCanceledFirstUnregistersFromAParentWithItsOwnAfterDone() {
        AfterFuncContext parent = new AfterFuncContext();
        CancellableContext c1 = parent.withCancel();
        CancellableContext c2 = parent.withTimeout(Duration.ofHours(1000));
        CancellableContext c3 = parent.withValue(Key.of("k"), 1).withCancel();
        assertThat(parent.registered()).isEqualTo(3);
        c1.cancel();
        c2.cancel();
        c3.cancel();
        assertThat(parent.registered()).isZero();
    }

    @Test
    void childExpiredFirstUnregistersFromAParentWithItsOwnAfterDone() {
        ManualTimeSource time = TestSupport.manualClock();
        AfterFuncContext parent = new AfterFuncContext();
        // the custom parent has no values, so the time source sits below it
        CancellableContext timed = parent.withTimeSource(time).withTimeout(Duration.ofSeconds(1));
        assertThat(parent.registered()).isEqualTo(1);
        time.advance(Duration.ofSeconds(1));
        assertThat(timed.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(parent.registered()).isZero();
    }

    @Test
    void childCanceledFirstIsNotKeptReachableByAFutureBackedParent() {
        FutureContext parent = new FutureContext();
        WeakReference<Context> child = canceledChildOf(parent);
        assertCollected(child, "a canceled child of a user-written parent");
        assertThat(parent.err()).isNull();
    }

    /**
     * A long-lived user-written parent must not accumulate an entry per finished child (Go's
     * propagation goroutine ends when the child is done): children canceled first and stopped
     * afterDone actions leave (almost) nothing on the parent's completion stage.
     */
    @Test
    void childrenCanceledFirstLeaveNothingOnAFutureBackedParent() {
        FutureContext parent = new FutureContext();
        for (int i = 0; i < 1000; i++) {
            parent.withCancel().cancel();
            parent.withValue(Key.of("k"), i).withTimeout(Duration.ofHours(1)).cancel();
            assertThat(parent.afterDone(() -> {}).stop()).isTrue();
        }
        assertThat(parent.future.getNumberOfDependents())
                .as("dependents left on the parent's future by 3000 finished registrations")
                .isLessThan(10);

        CancellableContext live = parent.withCancel();
        parent.finish(Context.CANCELED, PARENT_CAUSE);
        assertThat(live.cause()).isSameAs(PARENT_CAUSE);
    }

    /**
     * The bound on a user-written parent's dependents holds whatever its stage is: here every
     * {@code toCompletionStage()} call returns a new read-only view, each a dependent of the
     * parent's future for as long as the parent lives. Children and stopped actions must not ask
     * for one each.
     */
    @Test
    void childrenAndStoppedActionsLeaveNoDependentsOnAParentWithReadOnlyStageViews() {
        FutureContext parent = FutureContext.withReadOnlyStage();
        for (int i = 0; i < 10_000; i++) {
            parent.withCancel().cancel();
            assertThat(parent.afterDone(() -> {}).stop()).isTrue();
        }
        assertThat(parent.future.getNumberOfDependents())
                .as("dependents left on the parent's future by 20,000 finished registrations")
                .isLessThanOrEqualTo(2);

        CancellableContext live = parent.withTimeout(Duration.ofHours(1));
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        parent.afterDone(runs::incrementAndGet, Runnable::run);
        parent.finish(Context.CANCELED, PARENT_CAUSE);
        assertThat(live.cause()).isSameAs(PARENT_CAUSE);
        assertThat(runs).hasValue(1);
    }

    /**
     * With weak references: a child canceled first, and a stopped action, are unreachable while
     * a user-written parent with read-only stage views lives; a live child (the control) is not.
     */
    @Test
    void canceledChildrenAndStoppedActionsOfAParentWithReadOnlyStageViewsBecomeUnreachable() {
        FutureContext parent = FutureContext.withReadOnlyStage();
        CancellableContext kept = parent.withCancel();
        WeakReference<Context> live = new WeakReference<>(Derive.unwrap(kept));
        kept = null;
        WeakReference<Context> canceled = canceledChildOf(parent);
        WeakReference<Runnable> stopped = stoppedActionOf(parent);

        assertCollected(canceled, "a canceled child of a user-written parent");
        assertCollected(stopped, "a stopped action on a user-written parent");
        assertThat(TestSupport.survivesGc(live))
                .as("a live child stays registered with its parent")
                .isTrue();
        parent.finish(Context.CANCELED, PARENT_CAUSE);
    }

    private static WeakReference<Runnable> stoppedActionOf(Context parent) {
        Object payload = new Object();
        Runnable action = payload::hashCode;
        assertThat(parent.afterDone(action).stop()).isTrue();
        return new WeakReference<>(action);
    }

    /** Done's stage should complete normally; one that fails still counts as done. */
    @Test
    void parentWhoseStageCompletesExceptionallyStillCancelsItsChildren() throws InterruptedException {
        FutureContext parent = new FutureContext();
        CancellableContext child = parent.withCancel();
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        parent.afterDone(runs::incrementAndGet, Runnable::run);
        parent.finishExceptionally(Context.CANCELED, PARENT_CAUSE);
        assertThat(child.done().await(PATIENCE)).isTrue();
        assertThat(child.cause()).isSameAs(PARENT_CAUSE);
        assertThat(runs).hasValue(1);
    }

    private static WeakReference<Context> canceledChildOf(Context parent) {
        CancellableContext child = parent.withCancel();
        child.cancel();
        return new WeakReference<>(Derive.unwrap(child));
    }

    /** Go's otherContext: a wrapper whose Done is ours; children register with the inner context. */
    @Test
    void wrapperOfOurContextRegistersChildrenDirectlyAndReleasesThem() {
        CancellableContext inner = Context.background().withCancel();
        DelegatingContext wrapper = new DelegatingContext(inner);
        CancellableContext child = wrapper.withCancel();
        CancellableContext grandchild = new DelegatingContext(child.withValue(Key.of("k"), 1)).withCancel();
        WeakReference<Context> canceled = canceledChildOf(wrapper);
        assertCollected(canceled, "a canceled child of a wrapper");

        inner.cancel(PARENT_CAUSE);
        assertThat(child.err()).as("synchronous, as for our own contexts").isSameAs(Context.CANCELED);
        assertThat(grandchild.cause()).isSameAs(PARENT_CAUSE);
    }

    @Test
    void mixedChainOfOwnAndUserWrittenContextsPropagatesToTheBottom() throws InterruptedException {
        FutureContext top = new FutureContext();
        Context c = top;
        for (int i = 0; i < 10; i++) {
            c = new DelegatingContext(c.withCancel().withValue(Key.of("k" + i), i));
        }
        CancellableContext bottom = c.withCancel();
        top.finish(Context.CANCELED, PARENT_CAUSE);
        assertThat(bottom.done().await(PATIENCE)).isTrue();
        assertThat(bottom.cause()).isSameAs(PARENT_CAUSE);
    }
}
