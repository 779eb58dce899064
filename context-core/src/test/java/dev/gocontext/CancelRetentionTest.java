package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static dev.gocontext.TestSupport.assertCollected;
import static dev.gocontext.TestSupport.survivesGc;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a cancellation leaves behind, checked with weak references, each with a control case (a
 * live context that must stay reachable, so that the check can fail): a done context keeps none
 * of its descendants or their actions, also when another thread finished its walk; and a deadline
 * that fires on the timer thread leaves nothing on the timer, the deadline pool or the
 * user-written parent.
 */
class CancelRetentionTest {
    @AfterEach
    void removeHook() {
        CancelNode.markedByWalk = null;
    }

    @Test
    void aDoneContextKeepsNoneOfItsDescendantsNorTheirActions() {
        CancellableContext parent = Context.background().withCancel();
        List<WeakReference<Object>> below = descendantsWithActions(parent);
        CancellableContext live = Context.background().withCancel();
        List<WeakReference<Object>> control = descendantsWithActions(live);

        parent.cancel();
        assertThat(below).allSatisfy(ref -> assertCollected(ref, "a descendant or an action of a done context"));
        assertThat(control)
                .allSatisfy(ref -> assertThat(survivesGc(ref)).as("the control").isTrue());
        assertThat(parent.err()).isSameAs(Context.CANCELED); // the done context itself is still held
        live.cancel();
    }

    /** The same when the walk was finished by a second canceler while the first was paused. */
    @Test
    void aDoneContextKeepsNothingWhenAnotherThreadFinishedItsWalk() throws Exception {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext child = parent.withCancel();
        List<WeakReference<Object>> below = descendantsWithActions(child);
        below.add(new WeakReference<>(Derive.unwrap(child)));

        Thread first = new Thread(parent::cancel, "first-canceler");
        try (ConcurrentCancelTest.PausedWalk pause = new ConcurrentCancelTest.PausedWalk(child, first)) {
            child = null;
            first.start();
            pause.awaitPaused();
            CancelNeverWaitsTest.cancelOnANewThread(parent, Context.background())
                    .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
        first.join(PATIENCE.toMillis());
        assertThat(first.isAlive()).isFalse();
        assertThat(below).allSatisfy(ref -> assertCollected(ref, "a descendant or an action of a done context"));
        assertThat(parent.err()).isSameAs(Context.CANCELED);
    }

    /**
     * A deadline fires on the timer thread under a user-written parent; its direct-executor action
     * runs on the deadline pool. Afterwards neither the child nor its action is reachable from the
     * library (timer, pool threads, the parent's watch) while the parent lives.
     */
    @Test
    void aFiredDeadlineLeavesNothingBehindWhileAUserWrittenParentLives() throws Exception {
        FutureContext parent = new FutureContext();
        List<WeakReference<Object>> refs = new ArrayList<>();
        // A deadline that fires before its action is registered runs the action on this thread
        // (the ctx is done already), which is not the path under test: a loaded runner can take
        // longer than a short timeout between the two lines, so the timeout doubles until the
        // action is registered first. Every attempt's child must be unreachable afterwards.
        Thread ranOn = Thread.currentThread();
        for (long timeoutMs = 1; ranOn == Thread.currentThread(); timeoutMs *= 2) {
            assertThat(timeoutMs)
                    .as("a deadline that fires after its action is registered")
                    .isLessThan(70_000);
            CompletableFuture<Thread> actionThread = new CompletableFuture<>();
            refs.addAll(timedChildWithAction(parent, Duration.ofMillis(timeoutMs), actionThread));
            ranOn = actionThread.get(PATIENCE.toMillis() + timeoutMs, TimeUnit.MILLISECONDS);
        }
        assertThat(ranOn.getName()).startsWith("gocontext-deadline-");
        CancellableContext live = parent.withTimeout(Duration.ofHours(1));
        WeakReference<Object> control = new WeakReference<>(Derive.unwrap(live));
        live = null;

        assertThat(refs).allSatisfy(ref -> assertCollected(ref, "a child whose deadline fired, or its action"));
        assertThat(survivesGc(control))
                .as("the control: a live child of the live parent")
                .isTrue();
        parent.finish(Context.CANCELED, Context.CANCELED);
    }

    private static List<WeakReference<Object>> timedChildWithAction(
            Context parent, Duration timeout, CompletableFuture<Thread> ranOn) {
        CancellableContext child = parent.withTimeout(timeout);
        Runnable action = () -> ranOn.complete(Thread.currentThread());
        child.afterDone(action, Runnable::run);
        List<WeakReference<Object>> refs = new ArrayList<>();
        refs.add(new WeakReference<>(Derive.unwrap(child)));
        refs.add(new WeakReference<>(action));
        return refs;
    }

    /** A child, a grandchild and an action on each, below {@code ctx}; weak references to all. */
    private static List<WeakReference<Object>> descendantsWithActions(Context ctx) {
        List<WeakReference<Object>> refs = new ArrayList<>();
        CancellableContext child = ctx.withCancel();
        CancellableContext grandchild = child.withValue(Key.of("k"), 1).withCancel();
        for (CancellableContext c : List.of(child, grandchild)) {
            Object payload = new Object();
            Runnable action = payload::hashCode;
            c.afterDone(action, Runnable::run);
            c.done().toCompletionStage();
            refs.add(new WeakReference<>(Derive.unwrap(c)));
            refs.add(new WeakReference<>(action));
        }
        return refs;
    }
}
