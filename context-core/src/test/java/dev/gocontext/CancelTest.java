package dev.gocontext;

import static dev.gocontext.TestSupport.assertCollected;
import static dev.gocontext.TestSupport.survivesGc;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Go's {@code WithCancel}: cancellation reaches every descendant synchronously, never the parent;
 * canceling is idempotent; a canceled child is removed from its parent.
 */
class CancelTest {
    @Test
    void newChildIsLive() {
        try (CancellableContext ctx = Context.background().withCancel()) {
            assertThat(ctx.err()).isNull();
            assertThat(ctx.cause()).isNull();
            assertThat(ctx.done().isDone()).isFalse();
            assertThat(ctx.done()).isNotSameAs(Done.never());
            assertThat(ctx.deadline()).isEmpty();
        }
    }

    @Test
    void cancelMakesTheContextDoneWithCanceled() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThat(ctx.done().isDone()).isTrue();
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void closeIsCancel() {
        CancellableContext ctx;
        try (CancellableContext c = Context.background().withCancel()) {
            ctx = c;
            assertThat(c.err()).isNull();
        }
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void cancelIsIdempotentAndTheFirstCancelWins() {
        CancellableContext ctx = Context.background().withCancel();
        IllegalStateException first = new IllegalStateException("first");
        ctx.cancel(first);
        ctx.cancel();
        ctx.cancel(new IllegalStateException("second"));
        ctx.close();
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(first);
    }

    /** Go's TestWithCancel: cancel propagates synchronously, also through a user-written wrapper. */
    @Test
    void cancelPropagatesSynchronouslyThroughOwnAndUserWrittenContexts() {
        CancellableContext c1 = Context.background().withCancel();
        Context o = new DelegatingContext(c1);
        CancellableContext c2 = o.withCancel();
        Context v = c2.withValue(Key.of("k"), "v");
        CancellableContext c3 = v.withTimeout(Duration.ofHours(1));
        List<Context> all = List.of(c1, o, c2, v, c3);
        for (Context c : all) {
            assertThat(c.err()).as("%s before cancel", c).isNull();
            assertThat(c.done().isDone()).as("%s before cancel", c).isFalse();
        }

        c1.cancel();

        for (Context c : all) {
            assertThat(c.done().isDone()).as("%s after cancel", c).isTrue();
            assertThat(c.err()).as("%s after cancel", c).isSameAs(Context.CANCELED);
        }
    }

    /** Go's TestParentFinishesChild, with the tree parent -> cancelChild, parent -> value -> timer. */
    @Test
    void parentFinishesChildren() {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext cancelChild = parent.withCancel();
        Context valueChild = parent.withValue(Key.of("key"), "value");
        CancellableContext timerChild = valueChild.withTimeout(Duration.ofHours(1000));

        parent.cancel();

        for (Context c : List.of(parent, cancelChild, valueChild, timerChild)) {
            assertThat(c.done().isDone()).as("%s", c).isTrue();
            assertThat(c.err()).as("%s", c).isSameAs(Context.CANCELED);
        }
        Context precanceledChild = parent.withValue(Key.of("key"), "value");
        assertThat(precanceledChild.done().isDone()).isTrue();
        assertThat(precanceledChild.err()).isSameAs(Context.CANCELED);
    }

    /** Go's TestChildFinishesFirst: the parent is not affected by its child. */
    @Test
    void childFinishesFirstWithoutAffectingTheParent() {
        try (CancellableContext cancellable = Context.background().withCancel()) {
            for (Context parent : List.of(Context.background(), cancellable)) {
                CancellableContext child = parent.withCancel();
                child.cancel();
                assertThat(child.err()).isSameAs(Context.CANCELED);
                assertThat(parent.err()).isNull();
                assertThat(parent.done().isDone()).isFalse();
            }
        }
    }

    /** Go's TestWithCancelCanceledParent: deriving from a canceled parent gives a canceled child. */
    @Test
    void deriveFromCanceledParentGivesCanceledChildWithParentsCause() {
        CancellableContext parent = Context.background().withCancel();
        IllegalStateException cause = new IllegalStateException("parent gave up");
        parent.cancel(cause);

        CancellableContext child = parent.withCancel();
        assertThat(child.done().isDone()).isTrue();
        assertThat(child.err()).isSameAs(Context.CANCELED);
        assertThat(child.cause()).isSameAs(cause);
        child.cancel(new IllegalStateException("too late"));
        assertThat(child.cause()).isSameAs(cause);
    }

    @Test
    void cancelReachesEveryDescendantOfAWideAndDeepTreeBeforeItReturns() {
        CancellableContext root = Context.background().withCancel();
        List<Context> all = new ArrayList<>();
        List<Context> level = List.of(root);
        for (int depth = 0; depth < 6; depth++) {
            List<Context> next = new ArrayList<>();
            for (Context p : level) {
                next.add(p.withCancel());
                next.add(p.withValue(Key.of("d" + depth), depth).withCancel());
                next.add(p.withTimeout(Duration.ofHours(1)));
            }
            all.addAll(next);
            level = next;
        }
        assertThat(all).hasSizeGreaterThan(1000);

        root.cancel();

        assertThat(all).allSatisfy(c -> {
            assertThat(c.done().isDone()).isTrue();
            assertThat(c.err()).isSameAs(Context.CANCELED);
        });
    }

    /** Go's TestSimultaneousCancels: cancel all nodes of a tree at once, in any order. */
    @Test
    void simultaneousCancelsOfATreeAllFinish() throws InterruptedException {
        CancellableContext root = Context.background().withCancel();
        List<CancellableContext> all = new ArrayList<>(List.of(root));
        for (int i = 0; all.size() < 100; i++) {
            CancellableContext parent = all.get(i);
            for (int j = 0; j < 4; j++) {
                all.add(parent.withCancel());
            }
        }
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(all.size());
        List<Thread> threads = new ArrayList<>();
        for (CancellableContext c : all) {
            Thread t = new Thread(() -> {
                awaitQuietly(start);
                c.cancel();
                finished.countDown();
            });
            t.start();
            threads.add(t);
        }
        start.countDown();
        assertThat(finished.await(10, TimeUnit.SECONDS)).isTrue();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(all).allSatisfy(c -> assertThat(c.err()).isSameAs(Context.CANCELED));
    }

    /** Go's TestInterlockedCancels: a child canceled from an action of its canceled parent. */
    @Test
    void interlockedCancelsDoNotDeadlock() throws InterruptedException {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext child = parent.withCancel();
        parent.afterDone(child::cancel, Runnable::run);
        Thread waiter = new Thread(() -> {
            try {
                parent.done().await();
                child.cancel();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        parent.cancel();
        assertThat(child.done().await(Duration.ofSeconds(10))).isTrue();
        waiter.join(10_000);
        assertThat(waiter.isAlive()).isFalse();
    }

    @Test
    void chainOf100000ContextsCancelsWithoutStackOverflow() {
        CancellableContext root = Context.background().withCancel();
        Key<Integer> key = Key.of("depth");
        List<Context> chain = TestSupport.chain(root, 100_000, key);
        Context leaf = chain.get(chain.size() - 1);

        root.cancel();

        assertThat(leaf.err()).isSameAs(Context.CANCELED);
        assertThat(chain).allSatisfy(c -> assertThat(c.done().isDone()).isTrue());
    }

    @Test
    void cancelingTheLeafOfALongChainLeavesTheRestLive() {
        try (CancellableContext root = Context.background().withCancel()) {
            List<Context> chain = TestSupport.chain(root, 1000, Key.of("k"));
            ((CancellableContext) chain.get(chain.size() - 2)).cancel();
            assertThat(chain.get(chain.size() - 1).err()).isSameAs(Context.CANCELED);
            assertThat(chain.get(chain.size() - 3).err()).isNull();
            assertThat(root.err()).isNull();
        }
    }

    /**
     * Canceling removes the child from its parent: a long-lived parent does not keep canceled
     * children reachable. The control case (a child that is not canceled stays reachable) shows
     * that the check can fail.
     */
    @ParameterizedTest
    @EnumSource(
            value = LeakDetection.Level.class,
            names = {"DISABLED", "ALL"})
    void canceledChildOfALongLivedParentBecomesUnreachable(LeakDetection.Level level) {
        LeakDetection.Level saved = LeakDetection.level();
        LeakDetection.setLevel(level);
        try (CancellableContext parent = Context.background().withCancel()) {
            WeakReference<Context> live = new WeakReference<>(Derive.unwrap(parent.withCancel()));
            WeakReference<Context> canceled = canceledChildOf(parent);
            WeakReference<Context> timer = canceledTimerChildOf(parent);

            assertCollected(canceled, "a canceled child");
            assertCollected(timer, "a canceled child with a deadline");
            assertThat(survivesGc(live))
                    .as("a child that was not canceled is still registered with its parent")
                    .isTrue();
        } finally {
            LeakDetection.setLevel(saved);
        }
    }

    /**
     * What a canceled child keeps, and what keeps it: it still references its parent (its values
     * stay visible, as in Go), while the parent no longer references it.
     */
    @Test
    void aCanceledChildKeepsItsParentButTheParentNoLongerKeepsIt() {
        Key<String> user = Key.of("user");
        CancellableContext parent =
                Context.background().withValue(user, "alice").withCancel();
        CancellableContext child = parent.withCancel();
        child.cancel();
        assertThat(child.value(user)).isEqualTo("alice");
        assertThat(DoneTest.waiters(parent))
                .as("the parent holds nothing of the child")
                .isZero();

        WeakReference<Context> parentRef = new WeakReference<>(Derive.unwrap(parent));
        parent.cancel(); // dropped canceled: never a leak
        parent = null;
        assertThat(survivesGc(parentRef)).as("held through the child").isTrue();
        assertThat(child.value(user)).isEqualTo("alice");
        child = null;
        assertCollected(parentRef, "the parent, once neither it nor the child is held");
    }

    private static WeakReference<Context> canceledChildOf(Context parent) {
        CancellableContext child = parent.withCancel();
        child.afterDone(() -> {});
        child.done().toCompletionStage();
        child.withValue(Key.of("k"), "v").withCancel(); // a grandchild, never canceled itself
        child.cancel();
        return new WeakReference<>(Derive.unwrap(child));
    }

    private static WeakReference<Context> canceledTimerChildOf(Context parent) {
        CancellableContext child = parent.withTimeout(Duration.ofHours(1));
        child.cancel();
        return new WeakReference<>(Derive.unwrap(child));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
