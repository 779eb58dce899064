package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Many threads register in, and leave, the lists of one shared parent at once (as every request of
 * a server derives from one long-lived context), which spreads the parent's list over stripes,
 * while the parent is canceled half-way: no registration is lost or doubled, and no cancellation.
 * Checked afterwards: while the parent lived, it held exactly the children still registered;
 * once canceled, every child is done, with its own cause or the parent's; every after-done action
 * was dispatched exactly once or stopped exactly once; the statistics add up. Seeded: the seed is
 * printed and in every failure message; {@code -Dgocontext.seed=} replays it.
 */
class SharedParentStressTest {
    private static final int THREADS = 4;
    private static final int OPS = 3000;

    /** An after-done action: how often it was dispatched, and how many stop() calls won. */
    static final class Action {
        final AtomicInteger dispatched = new AtomicInteger();
        final AtomicInteger stopsThatWon = new AtomicInteger();

        /** Dispatches on the calling thread, counting. */
        final Executor counting = task -> {
            dispatched.incrementAndGet();
            task.run();
        };

        int fates() {
            return dispatched.get() + stopsThatWon.get();
        }
    }

    /** A child of the shared parent, what may be its cause, and its action. */
    static final class Child {
        final CancellableContext ctx;
        volatile Throwable ownCause;
        final Action action = new Action();

        Child(CancellableContext ctx) {
            this.ctx = ctx;
        }
    }

    /** What the workers share: the parent, the children, and the actions registered on the parent. */
    record Shared(
            CancellableContext parent, Queue<Child> children, Queue<Action> parentActions, AtomicInteger created) {}

    @RepeatedTest(6)
    void threadsRegisterAndLeaveWhileTheParentIsCanceled(RepetitionInfo repetition) throws Exception {
        long seed = TestSupport.seed("SharedParentStressTest");
        SplittableRandom seeds = new SplittableRandom(seed);
        ManualTimeSource time = TestSupport.manualClock();
        StatsSnapshot before = StatsSnapshot.now();
        CancellableContext parent = TestSupport.rootOn(time).withCancel();
        CancelNode parentNode = (CancelNode) Derive.unwrap(parent);
        if (repetition.getCurrentRepetition() % 2 == 0) {
            parentNode.stripeNow(); // else contention stripes it, or not: both shapes are valid
        }
        Queue<Child> children = new ConcurrentLinkedQueue<>();
        Queue<Action> parentActions = new ConcurrentLinkedQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger created = new AtomicInteger(1); // the parent
        Shared shared = new Shared(parent, children, parentActions, created);
        CyclicBarrier phase = new CyclicBarrier(THREADS + 1);

        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            SplittableRandom random = seeds.split();
            Thread thread = new Thread(
                    () -> {
                        try {
                            phase.await(); // phase 1: the parent lives
                            work(shared, random);
                            phase.await(); // checked by the test thread
                            phase.await(); // phase 2: the parent is canceled meanwhile
                            work(shared, random);
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    },
                    "shared-parent-" + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        phase.await(TestSupport.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        phase.await(TestSupport.PATIENCE.toMillis() * 3, TimeUnit.MILLISECONDS);
        long live = children.stream().filter(c -> c.ctx.err() == null).count();
        long registered = parentActions.stream().filter(a -> a.fates() == 0).count();
        assertThat(parentNode.waiterCount())
                .as("the live parent holds exactly its live children and actions (seed %d)", seed)
                .isEqualTo(live + registered);

        phase.await(TestSupport.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        Throwable parentCause = new Exception("shared parent canceled");
        parent.cancel(parentCause);
        for (Thread thread : threads) {
            thread.join(TestSupport.PATIENCE.toMillis() * 3);
            assertThat(thread.isAlive())
                    .as("%s stuck (seed %d)", thread.getName(), seed)
                    .isFalse();
        }
        assertThat(failures).as("seed %d", seed).isEmpty();

        for (Child c : children) {
            assertThat(c.ctx.err())
                    .as("a child of the canceled parent is live (seed %d)", seed)
                    .isNotNull();
            Throwable cause = c.ctx.cause();
            assertThat(cause == parentCause || cause == c.ownCause || cause == c.ctx.err())
                    .as("cause %s of %s (seed %d)", cause, c.ctx, seed)
                    .isTrue();
            assertThat(c.action.fates())
                    .as(
                            "action of %s: dispatched %d, winning stops %d (seed %d)",
                            c.ctx, c.action.dispatched.get(), c.action.stopsThatWon.get(), seed)
                    .isEqualTo(1);
        }
        for (Action a : parentActions) {
            assertThat(a.fates())
                    .as(
                            "action on the parent: dispatched %d, winning stops %d (seed %d)",
                            a.dispatched.get(), a.stopsThatWon.get(), seed)
                    .isEqualTo(1);
        }
        assertThat(parentNode.waiterCount()).isZero();
        StatsSnapshot delta = StatsSnapshot.now().minus(before);
        assertThat(delta.created()).as("seed %d", seed).isEqualTo(created.get());
        assertThat(delta.canceled() + delta.deadlineExceeded())
                .as("seed %d", seed)
                .isEqualTo(delta.created());
        assertThat(time.pendingTimers()).as("seed %d", seed).isZero();
    }

    /**
     * Derives children of the parent, with actions; cancels most, stops some actions. Also
     * registers actions on the parent itself and stops about half of them a few steps later,
     * racing the parent's cancellation in the second phase.
     */
    private static void work(Shared shared, SplittableRandom random) {
        CancellableContext parent = shared.parent();
        List<Registration> onParent = new ArrayList<>();
        List<Action> onParentActions = new ArrayList<>();
        for (int op = 0; op < OPS; op++) {
            int kind = random.nextInt(3);
            CancellableContext ctx = kind == 0
                    ? parent.withCancel()
                    : kind == 1
                            ? parent.withValue(Key.of("k"), op).withCancel()
                            : parent.withTimeout(Duration.ofHours(1));
            shared.created().incrementAndGet();
            Child child = new Child(ctx);
            shared.children().add(child);
            Registration registration = ctx.afterDone(() -> {}, child.action.counting);
            if (random.nextInt(4) == 0 && registration.stop()) {
                child.action.stopsThatWon.incrementAndGet();
            }
            int fate = random.nextInt(10);
            if (fate < 7) {
                Throwable cause = new Exception("own " + op);
                child.ownCause = cause; // recorded before it can be observed
                ctx.cancel(cause);
            } else if (fate == 7 && registration.stop()) {
                child.action.stopsThatWon.incrementAndGet();
            }
            // else: left live, for the parent to cancel

            if (random.nextInt(3) == 0) {
                Action action = new Action();
                shared.parentActions().add(action);
                onParent.add(parent.afterDone(() -> {}, action.counting));
                onParentActions.add(action);
            }
            if (onParent.size() > 4) {
                int i = random.nextInt(onParent.size());
                Registration toStop = onParent.remove(i);
                Action action = onParentActions.remove(i);
                if (random.nextBoolean() && toStop.stop()) {
                    action.stopsThatWon.incrementAndGet();
                }
            }
        }
    }
}
