package dev.gocontext.benchmarks;

/**
 * A live grpc parent for benchmarks that derive children from one, replaced by a fresh one every
 * {@value #CHILDREN_PER_PARENT} children.
 *
 * <p>Why replace it: grpc never takes a cancelled child's registration out of its parent's
 * listener list ({@code removeListener} looks for an entry whose context is the parent, but the
 * child registered itself with its own context), and every cancel scans that list. Under one
 * long-lived parent grpc's cost per child therefore grows without bound (about 44 µs per child
 * after a second of a benchmark loop, and the list keeps every child reachable: see {@link
 * ChildrenChurnBench} and {@link FootprintMain}). A fresh parent every few children gives grpc its
 * best case, a short list; the parent's creation is paid once per {@value #CHILDREN_PER_PARENT}
 * children. Our contexts and Go's run under one parent for the whole run.
 */
final class GrpcParent {
    static final int CHILDREN_PER_PARENT = 16;

    private io.grpc.Context.CancellableContext current = io.grpc.Context.ROOT.withCancellation();
    private int children;

    /** The parent for the next child. Confined to one thread. */
    io.grpc.Context.CancellableContext next() {
        if (++children > CHILDREN_PER_PARENT) {
            children = 1;
            current = io.grpc.Context.ROOT.withCancellation();
        }
        return current;
    }
}
