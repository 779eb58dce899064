package dev.gocontext;

import java.util.concurrent.Executor;

/** An action registered with {@link Context#afterDone} on a {@link CancelNode}, and its handle. */
final class AfterDoneWaiter extends Waiter implements Registration {
    private final CancelNode node;
    private final Runnable action;
    private final Executor executor;

    AfterDoneWaiter(CancelNode node, Runnable action, Executor executor) {
        this.node = node;
        this.action = action;
        this.executor = executor;
    }

    /**
     * Exactly once: the node detaches its list under its monitor when it becomes done, and this
     * removes the waiter under the same monitor only while the node is live, so either the action
     * is fired or this returns true, never both.
     */
    @Override
    public boolean stop() {
        return node.unlink(this);
    }

    @Override
    void fire() {
        AfterDone.dispatch(action, executor);
    }

    @Override
    public String toString() {
        return "afterDone[" + action + " on " + node + "]";
    }
}
