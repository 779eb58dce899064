package dev.gocontext;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A cancellable context: Go's {@code cancelCtx}. It is both the state of the context and, unless
 * leak detection tracks it through a {@link LeakDetector.TrackedHandle}, the handle given to the
 * user.
 *
 * <p>A node is a {@link Waiter} in a list of the node it is registered with (its nearest
 * cancellable ancestor), so registering and unregistering a child cost a few pointer writes under
 * a lock that never parks, and a canceled child leaves nothing behind in its parent. A node that
 * many threads register with at once (a server's long-lived context, every request a child of it)
 * spreads its list over {@link Stripe}s, one per thread where it can, so that the threads do not
 * write the same memory.
 *
 * <p>Cancellation never waits for another thread. Becoming done freezes the node's lists; the
 * {@link Propagation} of a cancellation walks the frozen lists and makes every descendant done.
 * A canceler that finds a node done by a propagation still running walks that subtree too
 * (marking what is still live), so when any {@code cancel()} returns, every descendant is done,
 * as in Go. The last walker out of a propagation clears its lists and fires the other waiters.
 */
class CancelNode extends Waiter.List implements CancellableContext, Named {
    private static final CompletionStage<Void> COMPLETED = CompletableFuture.completedStage(null);

    /** Stripes of a node many threads use: a power of two, about twice the processors. */
    static final int STRIPES = Math.min(
            64, Integer.highestOneBit(Math.max(1, 2 * Runtime.getRuntime().availableProcessors() - 1)) * 2);

    /** The stripe, of {@link #STRIPES}, that the calling thread uses first (here and in {@link ContextStats}). */
    static int homeStripe() {
        return (int) Thread.currentThread().getId() & (STRIPES - 1);
    }

    /** Extra empty slots after the stripes in their array, to keep other objects off its cache line. */
    private static final int ARRAY_PADDING = 16;

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(Waiter.List.class, "head", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A test hook, null outside tests: called on the walking thread for each node a walk has just
     * made done, so that tests can pause a cancellation half-way, deterministically.
     */
    static @Nullable Consumer<CancelNode> markedByWalk;

    /** What this context was derived from; never a {@link LeakDetector.TrackedHandle}. */
    final Context parent;

    // null while live; then the error (a ContextException), a Completion, or the Propagation that
    // made it done. Written once, under this node's lock, which freezes its own list (the stripes
    // of a striped node are frozen by taking each stripe's lock once after). Read without a lock.
    private volatile @Nullable Object state;

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
        Waiter.AfterDoneWaiter waiter = new Waiter.AfterDoneWaiter(
                this, Objects.requireNonNull(action, "action"), Objects.requireNonNull(executor, "executor"));
        if (!add(waiter)) {
            AfterDone.dispatch(action, executor);
        }
        return waiter;
    }

    // ---------------------------------------------------------------- CancellableContext

    @Override
    public final void cancel() {
        complete(Context.CANCELED);
    }

    @Override
    public final void cancel(@Nullable Throwable cause) {
        complete(Completion.of(Context.CANCELED, cause));
    }

    @Override
    public final void close() {
        cancel();
    }

    @Override
    public final String toString() {
        return Named.nameOf(this);
    }

    @Override
    public final Context parent() {
        return parent;
    }

    @Override
    public String nameSuffix() {
        return ".WithCancel";
    }

    // ---------------------------------------------------------------- becoming done

    @Override
    final CancelNode node() {
        return this;
    }

    final boolean isDone() {
        return state != null;
    }

    /**
     * Makes this context and its descendants done with {@code completion} (an error or a {@link
     * Completion}), unless it already is, and leaves the list it is registered in. If it already
     * is, makes sure that its descendants are done too before returning, by walking what the
     * running cancellation has not finished. Never waits for another thread.
     */
    final void complete(Object completion) {
        Object marked = markRoot(completion);
        if (marked == null) {
            // already done: a cancellation of this subtree may still be running; help it finish
            if (state instanceof Propagation running && running.join()) {
                walk(this, running);
            }
            return;
        }
        if (marked instanceof Propagation propagation) {
            walk(this, propagation);
        }
        // Leave the parent only now, as Go does: until the subtree is done, a canceler of an
        // ancestor must still find this node, to walk the subtree below it.
        unlink();
    }

    /**
     * The linearization point of a cancellation that starts here: sets the state, unless the node
     * is done.
     *
     * @return the state set (a new {@link Propagation} if there is a list to walk), or null if
     *     the node was already done
     */
    private @Nullable Object markRoot(Object completion) {
        Propagation fresh = head != null ? new Propagation(completion, this) : null; // a hint
        lock();
        if (state != null) {
            unlock();
            return null;
        }
        Object marked = head == null ? completion : fresh != null ? fresh : new Propagation(completion, this);
        state = marked;
        unlock();
        onDone(marked);
        return marked;
    }

    /** Marks this node done by {@code propagation}, unless it is done; true if this call did. */
    private boolean markBy(Propagation propagation) {
        lock();
        if (state != null) {
            unlock();
            return false;
        }
        state = propagation;
        unlock();
        onDone(propagation);
        Consumer<CancelNode> hook = markedByWalk;
        if (hook != null) {
            hook.accept(this);
        }
        return true;
    }

    /** Hook for subclasses: what becoming done (with {@code state}) releases or counts. */
    void onDone(Object state) {
        ContextStats.recordDone(Completion.errOf(state));
    }

    /**
     * Walks the frozen lists below {@code start}, which is done by {@code joined}: marks every live
     * child done by the propagation of the node whose list holds it, walks below children done by a
     * propagation that has not finished (joining it), then leaves {@code joined}. The caller is a
     * walker of {@code joined}. A depth-first walk without recursion: trees may be deep.
     */
    private static void walk(CancelNode start, Propagation joined) {
        Walk walk = new Walk();
        CancelNode node = start;
        while (node != null) {
            Propagation owner = (Propagation) Objects.requireNonNull(node.state);
            Object head = node.head; // frozen, and kept until the last walker of `owner` leaves
            if (head instanceof Stripe[] stripes) {
                for (int i = 0; i < STRIPES; i++) {
                    walk.visit(stripes[i].freeze(), owner);
                }
            } else {
                walk.visit((Waiter) head, owner);
            }
            node = walk.next();
        }
        leave(joined);
    }

    /** Leaves {@code propagation}; the last walker out cleans it up. */
    private static void leave(Propagation propagation) {
        if (propagation.leave()) {
            propagation.cleanUp();
        }
    }

    /** The stack of one walker: nodes whose lists are still to walk, and propagations to leave. */
    private static final class Walk {
        private Object @Nullable [] stack; // allocated on the first push: most walks have no grandchildren
        private int size;

        /** Marks the children in the list from {@code first}, pushing those with lists to walk. */
        void visit(@Nullable Waiter first, Propagation owner) {
            for (Waiter w = first; w != null; w = w.next) {
                if (!(w instanceof CancelNode child)) {
                    continue; // fired by the clean-up, once every descendant is done
                }
                if (child.markBy(owner) || child.state == owner) {
                    if (child.head != null) {
                        push(child); // done by this propagation: its list is walked by each walker
                    }
                } else if (child.state instanceof Propagation other && other.join()) {
                    push(other); // left once the subtree below is walked
                    push(child);
                }
                // else: done before, and nothing below it is left to do
            }
        }

        /** The next node to walk, leaving the propagations whose subtrees are walked; null at the end. */
        @Nullable
        CancelNode next() {
            Object[] stack = this.stack;
            while (size > 0 && stack != null) {
                Object top = stack[--size];
                stack[size] = null;
                if (top instanceof Propagation p) {
                    leave(p);
                } else {
                    return (CancelNode) top;
                }
            }
            return null;
        }

        private void push(Object o) {
            Object[] stack = this.stack;
            if (stack == null) {
                stack = this.stack = new Object[8];
            } else if (size == stack.length) {
                stack = this.stack = Arrays.copyOf(stack, size * 2);
            }
            stack[size++] = o;
        }
    }

    // ---------------------------------------------------------------- registration

    /**
     * Adds a waiter, unless this node is done.
     *
     * @return false if the node is done (the waiter was not added)
     */
    final boolean add(Waiter w) {
        Object h = HEAD.getAcquire(this);
        if (!(h instanceof Stripe[])) {
            boolean contended = !tryLock();
            if (contended) {
                lock();
            }
            if (state != null) {
                unlock();
                return false;
            }
            h = head;
            if (!(h instanceof Stripe[])) {
                if (!contended) {
                    linkFirst(w);
                    unlock();
                    return true;
                }
                h = stripe(h); // another thread is registering here at the same time
            }
            unlock();
        }
        return addToStripe((Stripe[]) h, w);
    }

    /**
     * Spreads this node's list over stripes from now on: the existing waiters move to the first.
     * Under this node's lock, once in the node's life.
     */
    private Stripe[] stripe(@Nullable Object list) {
        Stripe[] stripes = new Stripe[STRIPES + ARRAY_PADDING];
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = Stripe.of(this);
        }
        Stripe first = stripes[0];
        first.head = list;
        for (Waiter w = (Waiter) list; w != null; w = w.next) {
            w.owner = first;
        }
        HEAD.setRelease(this, stripes);
        return stripes;
    }

    /** Adds to the stripe of this thread, or to the first free one if another thread holds it. */
    private boolean addToStripe(Stripe[] stripes, Waiter w) {
        int home = homeStripe();
        Stripe stripe = null;
        for (int i = 0; i < STRIPES && stripe == null; i++) {
            Stripe candidate = stripes[(home + i) & (STRIPES - 1)];
            if (candidate.tryLock()) {
                stripe = candidate;
            }
        }
        if (stripe == null) {
            stripe = stripes[home];
            stripe.lock();
        }
        if (state != null) {
            stripe.unlock();
            return false;
        }
        stripe.linkFirst(w);
        stripe.unlock();
        return true;
    }

    /** Registers {@code child} to be canceled with this node; if this node is done, cancels it now. */
    final void adopt(CancelNode child) {
        if (!add(child)) {
            child.complete(Completion.copyOf(Objects.requireNonNull(state)));
        }
    }

    /** How many waiters (children, actions, threads, future) are registered; 0 once done. For tests. */
    final int waiterCount() {
        Object h = HEAD.getAcquire(this);
        if (!(h instanceof Stripe[])) {
            lock();
            h = head;
            if (!(h instanceof Stripe[])) {
                int n = state == null ? sizeLocked() : 0;
                unlock();
                return n;
            }
            unlock();
        }
        int n = 0;
        for (int i = 0; i < STRIPES; i++) {
            Stripe stripe = ((Stripe[]) h)[i];
            stripe.lock();
            n += state == null ? stripe.sizeLocked() : 0;
            stripe.unlock();
        }
        return n;
    }

    /** Whether this node spreads its list over stripes. For tests. */
    final boolean isStriped() {
        return HEAD.getAcquire(this) instanceof Stripe[];
    }

    /** Makes this node striped now, as contention would. For tests of the striped structure. */
    final void stripeNow() {
        lock();
        if (state == null && !(head instanceof Stripe[])) {
            stripe(head);
        }
        unlock();
    }

    /**
     * One part of the list of a node that many threads use: each thread registers in its own
     * stripe where it can, so that threads write different cache lines.
     *
     * <p>On every registration and removal, the stripe's thread writes its lock and head and
     * reads its node. These three fields are near the object's start, among the header and the
     * links a stripe never uses, and {@link Padded} puts 64 bytes after them, so that no other object in
     * memory, whatever the collector puts next, shares their cache line from behind. The padding
     * is a subclass because HotSpot lays out one class's fields longest first: with the padding
     * in this class, the node came last, next to the following stripe's lock, and where a copy by
     * the collector put the two on one cache line, two threads on adjacent stripes ran at 13 to 20
     * operations per µs instead of 33 to 37 (SharedParentBench.ours). In front, the fields are
     * 12 to 24 bytes from the object's start, depending on the JVM; what usually precedes a
     * stripe is another stripe's padding or that of the array of stripes.
     */
    static class Stripe extends Waiter.List {
        private final CancelNode node;

        private Stripe(CancelNode node) {
            this.node = node;
        }

        /** A new stripe of {@code node}, padded. */
        static Stripe of(CancelNode node) {
            return new Padded(node);
        }

        @Override
        CancelNode node() {
            return node;
        }

        /** The first waiter of this stripe of a done node, once no registration is in progress. */
        @Nullable
        Waiter freeze() {
            lock(); // a registration that checked the node's state before it was set may still be linking
            Waiter first = (Waiter) head;
            unlock();
            return first;
        }

        @Override
        void fire() {
            throw new AssertionError("a stripe is never in a list");
        }

        /** The 64 bytes after a stripe's fields. */
        @SuppressWarnings("UnusedVariable") // the padding is never read
        private static final class Padded extends Stripe {
            private long pad0, pad1, pad2, pad3, pad4, pad5, pad6, pad7;

            Padded(CancelNode node) {
                super(node);
            }
        }
    }

    /** A child node is made done by the walk, never fired as a waiter. */
    @Override
    final void fire() {
        throw new AssertionError("child nodes are made done by the walk of a cancellation");
    }

    // ---------------------------------------------------------------- Done

    final void awaitDone() throws InterruptedException {
        if (state != null) {
            return;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Waiter.ThreadWaiter waiter = new Waiter.ThreadWaiter(Thread.currentThread());
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
        Waiter.ThreadWaiter waiter = new Waiter.ThreadWaiter(Thread.currentThread());
        if (!add(waiter)) {
            return true;
        }
        long end = System.nanoTime() + nanos;
        while (!waiter.fired) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return !waiter.unlink();
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
    private static void stopWaiting(Waiter.ThreadWaiter waiter) throws InterruptedException {
        if (waiter.unlink()) {
            throw new InterruptedException();
        }
        Thread.currentThread().interrupt();
    }

    /** The stage of {@link Done#toCompletionStage()}: one future per node, kept first in its first list. */
    final CompletionStage<Void> completionStage() {
        while (true) {
            Object h = HEAD.getAcquire(this);
            Waiter.List list = h instanceof Stripe[] stripes ? stripes[0] : this;
            list.lock();
            if (state != null) {
                list.unlock();
                return COMPLETED;
            }
            if (list == this && head instanceof Stripe[]) {
                list.unlock(); // striped meanwhile: the future is in the first stripe now
                continue;
            }
            Waiter.FutureWaiter future;
            if (list.head instanceof Waiter.FutureWaiter existing) {
                future = existing;
            } else {
                future = new Waiter.FutureWaiter();
                list.linkFirst(future);
            }
            list.unlock();
            return future.stage();
        }
    }

    /** The {@link Done} of a node: a read-only view, so holders cannot cancel it. */
    static final class NodeDone implements Done {
        final CancelNode node;

        NodeDone(CancelNode node) {
            this.node = node;
        }

        @Override
        public boolean isDone() {
            return node.isDone();
        }

        @Override
        public void await() throws InterruptedException {
            node.awaitDone();
        }

        @Override
        public boolean await(Duration timeout) throws InterruptedException {
            return node.awaitDone(timeout);
        }

        @Override
        public CompletionStage<Void> toCompletionStage() {
            return node.completionStage();
        }

        /** Two views of the same context's done signal are equal, like two reads of a Go channel. */
        @Override
        public boolean equals(Object other) {
            return other instanceof NodeDone that && that.node == node;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(node);
        }

        @Override
        public String toString() {
            return "Done[" + node + (node.isDone() ? ", done]" : "]");
        }
    }

    // ---------------------------------------------------------------- how a node ended

    /**
     * How a context ended: its error and, when it differs, its cause. A done context's state is
     * either the error itself (when the cause is the error, the common case, no allocation) or one
     * immutable {@code Completion}, so that {@code err()} and {@code cause()} are read from a
     * single volatile field and can never be seen torn.
     */
    static class Completion {
        final ContextException err;
        final Throwable cause;

        Completion(ContextException err, Throwable cause) {
            this.err = err;
            this.cause = cause;
        }

        /** The state for a context done with {@code err}; a null cause means the error itself. */
        static Object of(ContextException err, @Nullable Throwable cause) {
            return cause == null || cause == err ? err : new Completion(err, cause);
        }

        /** The same error and cause as {@code state}, without what else a propagation holds. */
        static Object copyOf(Object state) {
            return state instanceof Propagation p ? of(p.err, p.cause) : state;
        }

        /** The state of a context that ended because a user-written parent is done. */
        static Object ofForeign(Context parent) {
            ContextException err = parent.err();
            if (err == null) {
                // A parent whose done() fired but whose err() is still null breaks the Context
                // contract; treat it as a plain cancellation rather than leaving the child undone.
                err = Context.CANCELED;
            }
            return of(err, parent.cause());
        }

        static @Nullable ContextException errOf(@Nullable Object state) {
            if (state == null) {
                return null;
            }
            return state instanceof ContextException e ? e : ((Completion) state).err;
        }

        static @Nullable Throwable causeOf(@Nullable Object state) {
            if (state == null) {
                return null;
            }
            return state instanceof ContextException e ? e : ((Completion) state).cause;
        }
    }

    /**
     * One cancellation walking down a subtree: the state of every node it made done. Any number of
     * threads walk it at once (the canceler, and whoever cancels a node of the subtree meanwhile);
     * each walks all of it, so none ever waits for another. The frozen lists stay in place while
     * anyone walks; the last walker to leave clears them and fires the waiters that are not child
     * nodes, when every descendant is done.
     */
    static final class Propagation extends Completion {
        private static final VarHandle WALKERS;

        static {
            try {
                WALKERS = MethodHandles.lookup().findVarHandle(Propagation.class, "walkers", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Where the cancellation started; null once cleaned up. Written by the last walker only. */
        private @Nullable CancelNode root;

        // Threads walking this propagation; starts at 1 (its canceler). Once 0 it stays 0: no one
        // can join, and the lists of the nodes it made done belong to the thread that cleans up.
        @SuppressWarnings("UnusedVariable") // accessed through the VarHandle
        private volatile int walkers = 1;

        Propagation(Object completion, CancelNode root) {
            super(Objects.requireNonNull(errOf(completion)), Objects.requireNonNull(causeOf(completion)));
            this.root = root;
        }

        /** Becomes a walker, unless the walk is over (then every node below is done). */
        boolean join() {
            while (true) {
                int n = (int) WALKERS.getVolatile(this);
                if (n == 0) {
                    return false;
                }
                if (WALKERS.compareAndSet(this, n, n + 1)) {
                    return true;
                }
            }
        }

        /** Stops walking; true for the last walker, which must {@link #cleanUp()}. */
        boolean leave() {
            return (int) WALKERS.getAndAdd(this, -1) == 1;
        }

        /**
         * Clears the lists of the nodes this propagation made done (so that nothing stays
         * reachable from a done node) and fires their waiters that are not child nodes. Only the
         * last walker calls it: no one else reads these lists any more.
         */
        void cleanUp() {
            CancelNode node = root;
            root = null;
            CancelNode[] nodes = null; // allocated for the first grandchild list: most have none
            int pending = 0;
            Waiter actionsHead = null;
            Waiter actionsTail = null;
            while (node != null) {
                Object head = node.head;
                node.head = null;
                int lists = head instanceof Stripe[] ? STRIPES : 1;
                for (int i = 0; i < lists; i++) {
                    Waiter w;
                    if (head instanceof Stripe[] stripes) {
                        w = (Waiter) stripes[i].head;
                        stripes[i].head = null;
                    } else {
                        w = (Waiter) head;
                    }
                    while (w != null) {
                        Waiter next = w.next;
                        w.prev = null;
                        w.next = null;
                        w.owner = null;
                        if (w instanceof CancelNode child) {
                            if (child.state == this && child.head != null) {
                                if (nodes == null) {
                                    nodes = new CancelNode[8];
                                } else if (pending == nodes.length) {
                                    nodes = Arrays.copyOf(nodes, pending * 2);
                                }
                                nodes[pending++] = child;
                            }
                        } else if (actionsTail == null) {
                            actionsHead = actionsTail = w;
                        } else {
                            actionsTail.next = w;
                            actionsTail = w;
                        }
                        w = next;
                    }
                }
                node = pending == 0 || nodes == null ? null : nodes[--pending];
            }
            AfterDone.fire(actionsHead);
        }
    }
}
