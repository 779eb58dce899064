package dev.gocontext;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * An entry in a list of a {@link CancelNode}: something to do when that node becomes done. A
 * child context is a waiter of its parent (and is made done by the walk of the cancellation);
 * every other kind is fired after the whole subtree is done.
 *
 * <p>The lists are intrusive and doubly linked, so that adding and removing an entry allocate
 * nothing and cost O(1), however many siblings there are. Each entry knows the {@link List} that
 * holds it, so that anyone can remove it without asking the parent anything.
 */
abstract class Waiter {
    // The links and the owner are guarded by the lock of `owner` while the owner's node is live.
    // Once the node is done they are frozen: read-only for the walks of its cancellation, then
    // cleared by the one thread that finishes it (CancelNode.Propagation says when).
    @Nullable
    Waiter prev;

    @Nullable
    Waiter next;

    /** The list that holds this waiter; null while it is in none. */
    @Nullable
    List owner;

    /**
     * Performs this waiter's reaction to its node becoming done. Called once, after every
     * descendant of the node is done, with no lock held. Must not throw and must not block.
     */
    abstract void fire();

    /**
     * Whether {@link #fire()} may run user code (an action with its executor, a user's {@code
     * stop()}): the shared timer thread hands those to a pool instead of firing them itself.
     */
    boolean runsUserCode() {
        return true;
    }

    /** Removes this waiter from the list that holds it; false if it is in none, or its node is done. */
    final boolean unlink() {
        while (true) {
            List list = owner; // read without the lock: checked again under it
            if (list == null) {
                return false;
            }
            list.lock();
            if (list.node().isDone()) {
                list.unlock(); // the list is frozen: this waiter belongs to the cancellation now
                return false;
            }
            if (owner != list) {
                list.unlock(); // moved to another list meanwhile (the node was striped): retry there
                continue;
            }
            list.unlinkLocked(this);
            list.unlock();
            return true;
        }
    }

    /**
     * A list of waiters with its lock: a {@link CancelNode}'s own list, or one stripe of a node
     * that many threads use at once. It is itself a waiter, because a node is both an entry in
     * its parent's list and the holder of its own.
     *
     * <p>The lock never parks: it guards a few pointer writes, so a thread that finds it taken
     * spins. Spinning is not waiting for another thread's progress beyond those writes, and it
     * never shows up as a park, a wait or a monitor block.
     */
    abstract static class List extends Waiter {
        private static final VarHandle LOCKED;

        static {
            try {
                LOCKED = MethodHandles.lookup().findVarHandle(List.class, "locked", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        // 1 while a thread holds the lock, else 0; only through LOCKED.
        @SuppressWarnings("UnusedVariable") // accessed through the VarHandle
        private volatile int locked;

        /**
         * The first waiter of this list, or, for a node many threads use, its {@code Stripe[]}.
         * Guarded by the lock while the node is live; frozen once it is done (see {@link
         * Waiter#prev}).
         */
        @Nullable
        Object head;

        /** The node whose list this is: the node itself, or the node of a stripe. */
        abstract CancelNode node();

        final boolean tryLock() {
            return (int) LOCKED.getOpaque(this) == 0 && LOCKED.compareAndSet(this, 0, 1);
        }

        final void lock() {
            while (!tryLock()) {
                // spin: the holder is a few stores away from unlocking (no onSpinWait: BlockHound
                // counts it as blocking)
            }
        }

        final void unlock() {
            LOCKED.setRelease(this, 0);
        }

        /** Adds {@code w} first (after the node's future, which stays first); under the lock. */
        final void linkFirst(Waiter w) {
            Waiter first = (Waiter) head;
            if (first instanceof FutureWaiter) {
                // keep the future first, so that completionStage() finds it in O(1)
                w.prev = first;
                w.next = first.next;
                if (first.next != null) {
                    first.next.prev = w;
                }
                first.next = w;
            } else {
                w.next = first;
                if (first != null) {
                    first.prev = w;
                }
                head = w;
            }
            w.owner = this;
        }

        /** Removes {@code w}, which is in this list; under the lock. */
        final void unlinkLocked(Waiter w) {
            Waiter prev = w.prev;
            Waiter next = w.next;
            if (prev == null) {
                head = next;
            } else {
                prev.next = next;
            }
            if (next != null) {
                next.prev = prev;
            }
            w.prev = null;
            w.next = null;
            w.owner = null;
        }

        /** The number of waiters in this list; under the lock. */
        final int sizeLocked() {
            int n = 0;
            for (Waiter w = (Waiter) head; w != null; w = w.next) {
                n++;
            }
            return n;
        }
    }

    /** A thread blocked in {@link Done#await()}. */
    static final class ThreadWaiter extends Waiter {
        private final Thread thread;

        /** Set once, before the thread is unparked; the waiting thread polls it. */
        volatile boolean fired;

        ThreadWaiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        void fire() {
            fired = true;
            LockSupport.unpark(thread);
        }

        @Override
        boolean runsUserCode() {
            return false;
        }
    }

    /**
     * The future behind {@link Done#toCompletionStage()}: one per node, created on first use,
     * completed on the internal pool so that dependent stages never run on the thread that cancels.
     */
    static final class FutureWaiter extends Waiter {
        private final CompletableFuture<Void> future = new CompletableFuture<>();

        /** A view that callers cannot complete. */
        CompletionStage<Void> stage() {
            return future.minimalCompletionStage();
        }

        @Override
        void fire() {
            AfterDone.dispatch(() -> future.complete(null), AfterDone.defaultExecutor());
        }

        @Override
        boolean runsUserCode() {
            return false; // a hand-off to the pool, where the dependents run
        }
    }

    /** An action registered with {@link Context#afterDone} on a {@link CancelNode}, and its handle. */
    static final class AfterDoneWaiter extends Waiter implements Registration {
        private final CancelNode node;
        private final Runnable action;
        private final Executor executor;

        AfterDoneWaiter(CancelNode node, Runnable action, Executor executor) {
            this.node = node;
            this.action = action;
            this.executor = executor;
        }

        /**
         * Exactly once: the node freezes its lists when it becomes done, and this removes the
         * waiter only while the node is live, so either the action is fired or this returns true,
         * never both.
         */
        @Override
        public boolean stop() {
            return unlink();
        }

        @Override
        void fire() {
            AfterDone.dispatch(action, executor);
        }

        /** On the default executor, firing only hands the action over: no user code runs. */
        @Override
        boolean runsUserCode() {
            return executor != AfterDone.defaultExecutor();
        }

        @Override
        public String toString() {
            return "afterDone[" + action + " on " + node + "]";
        }
    }

    /**
     * Stops a registration once its node is done for any reason: the watch of a user-written
     * parent (so that the parent keeps no reference to finished children), or the timer of
     * another time source (so that it keeps nothing scheduled).
     */
    static final class StopOnDone extends Waiter {
        private final Registration registration;

        StopOnDone(Registration registration) {
            this.registration = registration;
        }

        @Override
        void fire() {
            try {
                registration.stop();
            } catch (RuntimeException | Error e) {
                AfterDone.report(e);
            }
        }

        /** Stopping one of this library's own registrations runs no user code. */
        @Override
        boolean runsUserCode() {
            return !(registration instanceof Waiter);
        }
    }
}
