package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Many threads race derive, cancel, cancel(cause), afterDone, stop, await and reads on shared
 * trees while a clock thread fires deadlines. Checked during the race: a cause is never seen
 * without an error, and is always one that was given to the context or to an ancestor. Checked
 * afterwards: no descendant of a done context is live; every done context has either its parent's
 * exact (err, cause) or one of its own; every afterDone action ran exactly once or its stop()
 * returned true (exactly once); the statistics add up. Seeded: the seed is printed and in every
 * failure message; {@code -Dgocontext.seed=} replays the scenario (the interleaving is the
 * machine's).
 */
class ConcurrencyStressTest {
    private static final int WORKERS = 4;
    private static final int OPS_PER_WORKER = 1500;
    private static final int CAPACITY = WORKERS * OPS_PER_WORKER + 1;

    /** A context in the shared tree and what may legitimately become its cause. */
    static final class Rec {
        final Context ctx;
        final CancellableContext handle;
        /** The record whose cancellation reaches this one, or null (a root or below withoutCancel). */
        final Rec parent;
        /** Records without a handle (values, wrappers) show the state of this record. */
        final Rec owner;

        final Throwable deadlineCause;
        final Queue<Throwable> ownCauses = new ConcurrentLinkedQueue<>();

        Rec(Context ctx, Rec parent, Rec owner, Throwable deadlineCause) {
            this.ctx = ctx;
            this.handle = ctx instanceof CancellableContext c ? c : null;
            this.parent = parent;
            this.owner = owner == null ? this : owner;
            this.deadlineCause = deadlineCause;
        }

        /** Whether {@code cause} may be this context's: its own, its deadline's, or an ancestor's. */
        boolean allows(Throwable cause) {
            for (Rec r = owner; r != null; r = r.parent == null ? null : r.parent.owner) {
                if (cause == Context.CANCELED
                        || cause == Context.DEADLINE_EXCEEDED
                        || cause == r.deadlineCause
                        || r.ownCauses.contains(cause)) {
                    return true;
                }
            }
            return false;
        }
    }

    record Action(AtomicInteger runs, AtomicInteger stopsThatWon) {}

    static final class Round {
        final SplittableRandom seeds;
        final ManualTimeSource time = TestSupport.manualClock();
        final AtomicReferenceArray<Rec> recs = new AtomicReferenceArray<>(CAPACITY);
        final AtomicInteger size = new AtomicInteger();
        final Queue<Action> actions = new ConcurrentLinkedQueue<>();
        final Queue<Registration> registrations = new ConcurrentLinkedQueue<>();
        final Queue<Object[]> registrationOwners = new ConcurrentLinkedQueue<>();
        final AtomicInteger cancellablesCreated = new AtomicInteger();
        final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

        Round(long seed) {
            this.seeds = new SplittableRandom(seed);
        }

        void add(Rec rec) {
            int i = size.getAndIncrement();
            recs.set(i, rec);
        }

        Rec pick(SplittableRandom random) {
            int n = size.get();
            Rec r = recs.get(random.nextInt(Math.min(n, CAPACITY)));
            return r != null ? r : recs.get(0);
        }

        void work(SplittableRandom random) {
            for (int op = 0; op < OPS_PER_WORKER; op++) {
                int dice = random.nextInt(100);
                Rec r = pick(random);
                if (dice < 35) {
                    derive(r, random);
                } else if (dice < 50) {
                    cancel(r, random);
                } else if (dice < 68) {
                    afterDone(r, random);
                } else if (dice < 78) {
                    stopSomething(random);
                } else if (dice < 83) {
                    awaitBriefly(r);
                } else {
                    read(r);
                }
            }
        }

        void derive(Rec p, SplittableRandom random) {
            if (size.get() >= CAPACITY - 1) {
                return;
            }
            switch (random.nextInt(5)) {
                case 0 -> {
                    cancellablesCreated.incrementAndGet();
                    add(new Rec(p.ctx.withCancel(), p.owner, null, null));
                }
                case 1 -> {
                    Throwable cause = random.nextBoolean() ? new Exception("deadline") : null;
                    Duration timeout = Duration.ofMillis(random.nextInt(40));
                    cancellablesCreated.incrementAndGet();
                    Context ctx = cause == null ? p.ctx.withTimeout(timeout) : p.ctx.withTimeout(timeout, cause);
                    add(new Rec(ctx, p.owner, null, cause));
                }
                case 2 -> add(new Rec(p.ctx.withValue(Key.of("k"), 1), p.owner.parent, p.owner, null));
                case 3 -> add(new Rec(new DelegatingContext(p.ctx), p.owner.parent, p.owner, null));
                default -> {
                    cancellablesCreated.incrementAndGet();
                    add(new Rec(p.ctx.withoutCancel().withCancel(), null, null, null));
                }
            }
        }

        void cancel(Rec r, SplittableRandom random) {
            if (r.handle == null) {
                return;
            }
            if (random.nextBoolean()) {
                r.handle.cancel();
            } else {
                Throwable cause = new Exception("cancel");
                r.ownCauses.add(cause); // recorded before it can be observed
                r.handle.cancel(cause);
            }
        }

        /**
         * Registers an action, on the pool or direct. A pool action counts when it is handed to
         * the pool, which happens before the cancellation's last walker returns: so once every
         * thread has stopped, the counts are final, with nothing left to wait for.
         */
        void afterDone(Rec r, SplittableRandom random) {
            AtomicInteger runs = new AtomicInteger();
            Action action = new Action(runs, new AtomicInteger());
            Executor countingPool = task -> {
                runs.incrementAndGet();
                AfterDone.defaultExecutor().execute(task);
            };
            Registration registration = random.nextInt(4) == 0
                    ? r.ctx.afterDone(() -> {}, countingPool)
                    : r.ctx.afterDone(runs::incrementAndGet, Runnable::run);
            actions.add(action);
            registrationOwners.add(new Object[] {registration, action});
            if (random.nextBoolean() && registration.stop()) {
                action.stopsThatWon().incrementAndGet();
            }
        }

        void stopSomething(SplittableRandom random) {
            Object[] entry = registrationOwners.peek();
            if (entry == null) {
                return;
            }
            // stop a random recent one by rotating the queue a little
            for (int i = random.nextInt(4); i > 0; i--) {
                Object[] e = registrationOwners.poll();
                if (e != null) {
                    registrationOwners.add(e);
                    entry = e;
                }
            }
            if (((Registration) entry[0]).stop()) {
                ((Action) entry[1]).stopsThatWon().incrementAndGet();
            }
        }

        void awaitBriefly(Rec r) {
            try {
                if (r.ctx.done().await(Duration.ofMillis(1))) {
                    check(r.ctx.err() != null, "await returned true but err() is null: " + r.ctx);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void read(Rec r) {
            Throwable cause = r.ctx.cause();
            ContextException err = r.ctx.err();
            if (r.owner.parent == null && r.owner.handle == null) {
                check(cause == null && err == null, "a root is never done");
                return;
            }
            check(cause == null || err != null, "cause without err: " + cause);
            check(cause == null || r.allows(cause), "foreign cause " + cause + " on " + r.ctx);
        }

        void check(boolean condition, String message) {
            if (!condition) {
                failures.add(new AssertionError(message));
            }
        }
    }

    @RepeatedTest(16)
    void racingOperationsOnSharedTrees() throws Exception {
        long seed = TestSupport.seed("ConcurrencyStressTest");
        Round round = new Round(seed);
        StatsSnapshot before = StatsSnapshot.now();
        CancellableContext rootHandle = TestSupport.rootOn(round.time).withCancel();
        round.cancellablesCreated.incrementAndGet();
        round.add(new Rec(rootHandle, null, null, null));

        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            SplittableRandom random = round.seeds.split();
            workers.add(thread(
                    "worker-" + w,
                    () -> {
                        await(start);
                        round.work(random);
                    },
                    round));
        }
        SplittableRandom clockRandom = round.seeds.split();
        Thread clock = thread(
                "clock",
                () -> {
                    await(start);
                    while (running.get()) {
                        round.time.advance(Duration.ofMillis(clockRandom.nextInt(3)));
                        Thread.yield();
                    }
                },
                round);
        start.countDown();
        try {
            for (Thread t : workers) {
                t.join(60_000);
                assertThat(t.isAlive()).as("worker stuck, seed %d", seed).isFalse();
            }
        } finally {
            running.set(false); // the clock stops whatever happened to the workers
        }
        clock.join(60_000);
        assertThat(clock.isAlive()).as("clock stuck, seed %d", seed).isFalse();
        assertThat(round.failures).as("seed %d", seed).isEmpty();

        int n = round.size.get();
        List<Rec> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(round.recs.get(i));
        }
        for (Rec r : all) {
            checkQuiescent(r, seed);
        }

        // finish everything, then every action has run (or been handed to the pool) exactly once
        // or was stopped exactly once
        for (Rec r : all) {
            if (r.handle != null) {
                r.handle.cancel();
            }
        }
        for (Action a : round.actions) {
            assertThat(a.runs().get() + a.stopsThatWon().get())
                    .as(
                            "runs %d, winning stops %d (seed %d)",
                            a.runs().get(), a.stopsThatWon().get(), seed)
                    .isEqualTo(1);
        }
        StatsSnapshot delta = StatsSnapshot.now().minus(before);
        assertThat(delta.created()).as("seed %d", seed).isEqualTo(round.cancellablesCreated.get());
        assertThat(delta.canceled() + delta.deadlineExceeded()).isEqualTo(delta.created());
        assertThat(delta.active()).isZero();
        assertThat(round.time.pendingTimers()).isZero();
    }

    /**
     * The tightest race of Go's AfterFunc contract: stop() on many registrations of one context
     * while another thread cancels it and runs them (direct executor). Each action must run exactly
     * once or be stopped, never both, never neither.
     */
    @RepeatedTest(3)
    void stopRacingCancelRunsEachActionExactlyOnceOrNever() throws Exception {
        for (int iteration = 0; iteration < 40; iteration++) {
            CancellableContext ctx = Context.background().withCancel();
            int count = 1000;
            AtomicInteger[] runs = new AtomicInteger[count];
            Registration[] registrations = new Registration[count];
            for (int i = 0; i < count; i++) {
                AtomicInteger r = new AtomicInteger();
                runs[i] = r;
                registrations[i] = ctx.afterDone(r::incrementAndGet, Runnable::run);
            }
            boolean[] stopped = new boolean[count];
            CountDownLatch start = new CountDownLatch(1);
            Thread stopper = new Thread(() -> {
                await(start);
                for (int i = count - 1; i >= 0; i--) { // from the end, towards the canceler
                    stopped[i] = registrations[i].stop();
                }
            });
            stopper.setDaemon(true);
            stopper.start();
            start.countDown();
            ctx.cancel();
            stopper.join(60_000);
            assertThat(stopper.isAlive()).as("stopper stuck").isFalse();
            for (int i = 0; i < count; i++) {
                assertThat(runs[i].get() + (stopped[i] ? 1 : 0))
                        .as("action %d: runs %d, stop() %s", i, runs[i].get(), stopped[i])
                        .isEqualTo(1);
                assertThat(registrations[i].stop()).isFalse();
            }
        }
    }

    /** With every thread stopped: done parents have only done descendants, and states are consistent. */
    private static void checkQuiescent(Rec r, long seed) {
        Rec parent = r.owner.parent;
        ContextException err = r.ctx.err();
        Throwable cause = r.ctx.cause();
        String where = r.ctx + " (seed " + seed + ")";
        if (r.owner != r) {
            assertThat(err).as("err of %s", where).isSameAs(r.owner.ctx.err());
            assertThat(cause).as("cause of %s", where).isSameAs(r.owner.ctx.cause());
            return;
        }
        if (parent == null) {
            return; // a root of the round, or below withoutCancel: only its own cancel applies
        }
        ContextException parentErr = parent.ctx.err();
        if (parentErr != null) {
            assertThat(err)
                    .as("a descendant of a done context is live: %s", where)
                    .isNotNull();
        }
        if (err == null) {
            assertThat(cause).as(where).isNull();
            return;
        }
        boolean fromParent = err == parentErr && cause == parent.ctx.cause();
        boolean ownCancel = err == Context.CANCELED && (cause == Context.CANCELED || r.ownCauses.contains(cause));
        boolean ownDeadline =
                err == Context.DEADLINE_EXCEEDED && (cause == Context.DEADLINE_EXCEEDED || cause == r.deadlineCause);
        assertThat(fromParent || ownCancel || ownDeadline)
                .as(
                        "(%s, %s) of %s is neither its parent's (%s, %s) nor its own",
                        err, cause, where, parentErr, parent.ctx.cause())
                .isTrue();
    }

    private static Thread thread(String name, Runnable body, Round round) {
        Thread t = new Thread(
                () -> {
                    try {
                        body.run();
                    } catch (Throwable e) {
                        round.failures.add(e);
                    }
                },
                "stress-" + name);
        t.setDaemon(true); // a stuck thread must not outlive the test's JVM
        t.start();
        return t;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
