package dev.gocontext;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** The {@link Done} of a {@link CancelNode}: a read-only view, so holders cannot cancel it. */
final class NodeDone implements Done {
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
