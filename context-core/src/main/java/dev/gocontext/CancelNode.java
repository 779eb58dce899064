package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A cancellable context: Go's {@code cancelCtx}. It is both the state of the context and, unless
 * leak detection tracks it through a {@link TrackedHandle}, the handle given to the user.
 *
 * <p>A node is a {@link Waiter} in the list of the node it is registered with (its nearest
 * cancellable ancestor), so registering and unregistering a child cost one lock and four
 * pointer writes, and a canceled child leaves nothing behind in its parent.
 */
class CancelNode extends Waiter implements CancellableContext, Derived {
    private static final CompletionStage<Void> COMPLETED = CompletableFuture.completedStage(null);

    /** Returned by {@link #markDone} when the node was already done. */
    private static final Waiter ALREADY_DONE = new Waiter() {
        @Override
        void fire() {}
    };

    /** What this context was derived from; never a {@link TrackedHandle}. */
    final Context parent;

    // null while live; then the error (a ContextException) or a Completion. Written once, under
    // this node's monitor; read without it.
    private volatile @Nullable Object state;

    // Guarded by this node's monitor. While the node is live: the list of what to do when it is
    // done (children, afterDone actions, waiting threads, and a FutureWaiter, which is always first
    // when present). Once done, the list is detached, and the field holds the Propagation that
    // makes the descendants done if there was a list, else null. A canceler that finds the node
    // already done waits for that walk, so that, as in Go (which holds the parent's lock while
    // canceling children), every descendant is done when any cancel() returns.
    private @Nullable Waiter head;

    CancelNode(Context parent) {
        this.parent = parent;
    }

    // ---------------------------------------------------------------- Context

    @Override
    public Optional<Instant> deadline() {
        return Optional.ofNullable(Derive.deadlineOf(parent)); // a loop: chains may be deep
    }

    @Override
    public final Done done() {
        return new NodeDone(this);
    }

    @Override
    public final @Nullable ContextException err() {
        return Completion.errOf(state);
    }

    @Override
    public final @Nullable Throwable cause() {
        return Completion.causeOf(state);
    }

    @Override
    public final <T> @Nullable T value(Key<T> key) {
        return ValueContext.lookup(parent, key);
    }

    @Override
    public final Registration afterDone(Runnable action, Executor executor) {
        AfterDoneWaiter waiter = new AfterDoneWaiter(
                this, Objects.requireNonNull(action, "action"), Objects.requireNonNull(executor, "executor"));
        if (!add(waiter)) {
            AfterDone.dispatch(action, executor);
        }
        return waiter;
    }

    // ---------------------------------------------------------------- CancellableContext

    @Override
    public final void cancel() {
        complete(Context.CANCELED, true);
    }

    @Override
    public final void cancel(@Nullable Throwable cause) {
        complete(Completion.of(Context.CANCELED, cause), true);
    }

    @Override
    public final void close() {
        cancel();
    }

    @Override
    public final String toString() {
        return Derived.nameOf(this);
    }

    @Override
    public final Context parent() {
        return parent;
    }

    @Override
    public String nameSuffix() {
        return ".WithCancel";
    }

    // ---------------------------------------------------------------- internals

    final boolean isDone() {
        return state != null;
    }

    /**
     * Makes this context and its descendants done with {@code completion} (an error or a {@link
     * Completion}), unless it already is, then fires their waiters.
     *
     * @param unregister whether to remove this node from the node it is registered with; false
     *     when that node is the one making it done
     */
    final void complete(Object completion, boolean unregister) {
        Waiter list = markDone(completion, null);
        if (list == ALREADY_DONE) {
            Propagation running = walk();
            if (running != null) {
                running.await(); // another thread may still be canceling the descendants
            }
            return;
        }
        fireAll(list, completion, list == null ? null : walk());
        // Leave the parent only now, as Go does: until the subtree is done, a canceler of an
        // ancestor must still find this node, to wait for the walk below it.
        if (unregister) {
            CancelNode registeredWith = Derive.registrationNode(parent);
            if (registeredWith != null) {
                registeredWith.unlink(this);
            }
        }
    }

    /**
     * The linearization point of becoming done: sets the state and detaches the list.
     *
     * @param walk the propagation this node is made done by, or null to start a new one
     * @return the detached list (possibly null), or {@link #ALREADY_DONE}
     */
    private @Nullable Waiter markDone(Object completion, @Nullable Propagation walk) {
        Waiter list;
        synchronized (this) {
            if (state != null) {
                return ALREADY_DONE;
            }
            list = head;
            head = list == null ? null : walk != null ? walk : new Propagation();
            state = completion;
        }
        ContextStats.recordDone(Completion.errOf(completion));
        onDone();
        return list;
    }

    /** How many waiters (children, actions, threads, future) are registered; 0 once done. For tests. */
    final int waiterCount() {
        synchronized (this) {
            int n = 0;
            for (Waiter w = state == null ? head : null; w != null; w = w.next) {
                n++;
            }
            return n;
        }
    }

    /** The walk that made this done node's descendants done, or null if it had none. */
    private @Nullable Propagation walk() {
        synchronized (this) {
            return state != null && head instanceof Propagation p ? p : null;
        }
    }

    /** Hook for subclasses: release what becoming done makes useless (a timer). */
    void onDone() {}

    /**
     * Cancels the subtree below a detached list, depth first without recursion (trees may be deep),
     * then fires the other waiters, so that every descendant is done before any action runs.
     */
    private static void fireAll(@Nullable Waiter list, Object completion, @Nullable Propagation walk) {
        ArrayDeque<Waiter> pendingSiblings = null;
        Waiter actionsHead = null;
        Waiter actionsTail = null;
        Waiter w = list;
        while (true) {
            while (w != null) {
                Waiter next = w.next;
                w.prev = null;
                w.next = null;
                if (w instanceof CancelNode child) {
                    Waiter grandchildren = child.markDone(completion, walk);
                    if (grandchildren == ALREADY_DONE) {
                        // canceled meanwhile by another thread: wait until its subtree is done too
                        Propagation other = child.walk();
                        if (other != null && other != walk) {
                            other.await();
                        }
                    } else if (grandchildren != null) {
                        if (next != null) {
                            if (pendingSiblings == null) {
                                pendingSiblings = new ArrayDeque<>();
                            }
                            pendingSiblings.push(next);
                        }
                        next = grandchildren;
                    }
                } else if (actionsTail == null) {
                    actionsHead = actionsTail = w;
                } else {
                    actionsTail.next = w;
                    actionsTail = w;
                }
                w = next;
            }
            if (pendingSiblings == null || pendingSiblings.isEmpty()) {
                break;
            }
            w = pendingSiblings.pop();
        }
        if (walk != null) {
            walk.finish(); // every descendant is done; the actions below may run user code
        }
        if (actionsHead != null && SystemTimer.INSTANCE.isTimerThread()) {
            // a deadline: the timer thread never runs user code, even with a direct executor
            Waiter actions = actionsHead;
            AfterDone.defaultExecutor().execute(() -> fireActions(actions));
        } else {
            fireActions(actionsHead);
        }
    }

    /** Fires a detached list of waiters that are not child nodes, linked through {@code next}. */
    private static void fireActions(@Nullable Waiter actions) {
        for (Waiter a = actions; a != null; ) {
            Waiter next = a.next;
            a.next = null;
            a.fire();
            a = next;
        }
    }

    /** A child node's reaction when it is a waiter fired outside {@link #fireAll}: never happens. */
    @Override
    final void fire() {
        throw new AssertionError("child nodes are cancelled by fireAll");
    }

    /**
     * Adds a waiter, unless this node is done.
     *
     * @return false if the node is done (the waiter was not added)
     */
    final boolean add(Waiter w) {
        synchronized (this) {
            if (state != null) {
                return false;
            }
            Waiter first = head;
            if (first instanceof FutureWaiter) {
                // keep the future first, so completionStage() finds it in O(1)
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
            return true;
        }
    }

    /**
     * Removes a waiter, if it is still in the list of this live node.
     *
     * @return true if this call removed it
     */
    final boolean unlink(Waiter w) {
        synchronized (this) {
            if (state != null || (w.prev == null && head != w)) {
                return false;
            }
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
            return true;
        }
    }

    /** Registers {@code child} to be cancelled with this node; if this node is done, cancels it now. */
    final void adopt(CancelNode child) {
        if (!add(child)) {
            Object completion = state;
            child.complete(Objects.requireNonNull(completion), false);
        }
    }

    /**
     * One cancellation walking down a subtree. Walks wait only for walks that started below them,
     * so waiting never forms a cycle.
     */
    private static final class Propagation extends Waiter {
        private boolean finished; // guarded by this

        /** Never in a live list: it only occupies the head of a done node. */
        @Override
        void fire() {
            throw new AssertionError("a propagation is never fired");
        }

        synchronized void finish() {
            finished = true;
            notifyAll();
        }

        /** Waits, uninterruptibly (cancel() does not throw), until the walk has finished. */
        void await() {
            boolean interrupted = false;
            synchronized (this) {
                while (!finished) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- Done

    final void awaitDone() throws InterruptedException {
        if (state != null) {
            return;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        ThreadWaiter waiter = new ThreadWaiter(Thread.currentThread());
        if (!add(waiter)) {
            return;
        }
        while (!waiter.fired) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                stopWaiting(waiter);
                return;
            }
        }
    }

    final boolean awaitDone(Duration timeout) throws InterruptedException {
        long nanos = Instants.saturatedNanos(Objects.requireNonNull(timeout, "timeout"));
        if (state != null) {
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        if (nanos >= Instants.FOREVER_NANOS) {
            awaitDone();
            return true;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        ThreadWaiter waiter = new ThreadWaiter(Thread.currentThread());
        if (!add(waiter)) {
            return true;
        }
        long end = System.nanoTime() + nanos;
        while (!waiter.fired) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return !unlink(waiter);
            }
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
                stopWaiting(waiter);
                return true;
            }
        }
        return true;
    }

    /**
     * An interrupted wait: throws, unless the node became done meanwhile, in which case the wait
     * succeeded and the interrupt status is restored for the caller to see.
     */
    private void stopWaiting(ThreadWaiter waiter) throws InterruptedException {
        if (unlink(waiter)) {
            throw new InterruptedException();
        }
        Thread.currentThread().interrupt();
    }

    final CompletionStage<Void> completionStage() {
        FutureWaiter future;
        synchronized (this) {
            if (state != null) {
                return COMPLETED;
            }
            if (head instanceof FutureWaiter existing) {
                future = existing;
            } else {
                future = new FutureWaiter();
                future.next = head;
                if (head != null) {
                    head.prev = future;
                }
                head = future;
            }
        }
        return future.stage();
    }
}
