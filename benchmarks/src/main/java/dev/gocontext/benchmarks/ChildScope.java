package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;

/**
 * The operation that {@link CancelBench} measures on one thread and {@link SharedParentBench} on
 * two: derive a child that is registered in its live parent, then cancel it.
 */
final class ChildScope {
    /** grpc registers a child in its parent only once the child has a listener: this one. */
    private static final io.grpc.Context.CancellationListener GRPC_LISTENER = context -> {};

    private ChildScope() {}

    static CancellableContext ours(Context parent) {
        CancellableContext child = parent.withCancel();
        child.cancel();
        return child;
    }

    static io.grpc.Context grpcListened(io.grpc.Context parent) {
        io.grpc.Context.CancellableContext child = parent.withCancellation();
        child.addListener(GRPC_LISTENER, JmhDefaults.DIRECT);
        child.cancel(null);
        return child;
    }
}
