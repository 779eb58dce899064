package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Once its after-done actions have run, a canceled child is unreachable from anything the library
 * keeps: the parent, the threads of the after-done pool (idle ones included, and the threads
 * started for these very actions), the timer. Checked with weak references on the child, its
 * {@code Done} and each action, while the parent lives; a live child is the control case.
 */
class AfterDoneRetentionTest {
    private static final int CHILDREN = 900;

    @Test
    void canceledChildrenWhoseActionsRanAreUnreachable() throws InterruptedException {
        try (CancellableContext parent = Context.background().withCancel()) {
            CountDownLatch ran = new CountDownLatch(CHILDREN);
            List<WeakReference<Object>> refs = childrenWithActions(parent, CHILDREN, ran, true);
            assertThat(ran.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            CountDownLatch never = new CountDownLatch(1);
            List<WeakReference<Object>> control = childrenWithActions(parent, 1, never, false);

            assertThat(TestSupport.gcUntil(() -> refs.stream().allMatch(r -> r.get() == null)))
                    .as(
                            "%d of %d children, Dones and actions stay reachable",
                            refs.stream().filter(r -> r.get() != null).count(), refs.size())
                    .isTrue();
            assertThat(control)
                    .as("a live child with its action is still registered with its parent")
                    .allSatisfy(r -> assertThat(TestSupport.survivesGc(r)).isTrue());
        }
    }

    /**
     * Derives {@code n} children of {@code parent}, each with an action on the default executor
     * that counts down {@code ran}, and cancels them if asked; returns weak references to each
     * child, its {@code Done} and its action.
     */
    private static List<WeakReference<Object>> childrenWithActions(
            Context parent, int n, CountDownLatch ran, boolean cancel) {
        List<WeakReference<Object>> refs = new ArrayList<>();
        List<CancellableContext> toCancel = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CancellableContext child = parent.withCancel();
            Done done = child.done();
            Runnable action = () -> {
                if (done.isDone() && child.err() != null) {
                    ran.countDown();
                }
            };
            child.afterDone(action);
            refs.add(new WeakReference<>(Derive.unwrap(child)));
            refs.add(new WeakReference<>(done));
            refs.add(new WeakReference<>(action));
            toCancel.add(child);
        }
        if (cancel) {
            toCancel.forEach(CancellableContext::cancel);
        }
        return refs;
    }
}
