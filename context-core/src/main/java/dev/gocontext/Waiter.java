package dev.gocontext;

import org.jspecify.annotations.Nullable;

/**
 * An entry in the list of a {@link CancelNode}: something to do when that node becomes done. A
 * child context is a waiter of its parent (and is cancelled in place); every other kind is fired
 * after the whole subtree is done.
 *
 * <p>The list is intrusive and doubly linked, so that adding and removing an entry allocate
 * nothing and cost O(1), however many siblings there are.
 */
abstract class Waiter {
    // Both links are guarded by the monitor of the node whose list holds this waiter, while that
    // node is live. Once the node is done, its list is detached and belongs to the single thread
    // that made it done.
    @Nullable
    Waiter prev;

    @Nullable
    Waiter next;

    /**
     * Performs this waiter's reaction to its node becoming done. Called once, by the thread that
     * made the node done, after every descendant is done, with no lock held. Must not throw and
     * must not block.
     */
    abstract void fire();
}
