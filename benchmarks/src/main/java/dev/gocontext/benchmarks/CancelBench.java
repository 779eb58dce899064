package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code withCancel} + {@code cancel} of a child registered in a live cancellable parent: the
 * per-request cost of a cancellation scope (Go: {@code BenchmarkCancel}).
 *
 * <p>A grpc child registers with its parent only once it has a listener (until then it is linked
 * lazily, and learns of a parent's cancellation only when asked), so {@link #grpcListener} adds
 * one to get the same guarantee as ours and Go's: the parent's cancellation reaches the child at
 * once. {@link #grpcLazy} shows the unregistered case for reference. grpc's parent is replaced
 * every few children ({@link GrpcParent} says why).
 */
@State(Scope.Thread)
public class CancelBench extends JmhDefaults {
    private CancellableContext parent;
    private GrpcParent grpcParent;

    @Setup
    public void setUp() {
        parent = Context.background().withCancel();
        grpcParent = new GrpcParent();
    }

    @TearDown
    public void tearDown() {
        parent.cancel();
    }

    @Benchmark
    public CancellableContext ours() {
        return ChildScope.ours(parent);
    }

    @Benchmark
    public io.grpc.Context grpcListener() {
        return ChildScope.grpcListened(grpcParent.next());
    }

    @Benchmark
    public io.grpc.Context grpcLazy() {
        io.grpc.Context.CancellableContext child = grpcParent.next().withCancellation();
        child.cancel(null);
        return child;
    }
}
