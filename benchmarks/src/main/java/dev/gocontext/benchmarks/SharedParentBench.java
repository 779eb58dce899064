package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Two threads at once deriving a child from one shared live parent and cancelling it: a server's
 * request contexts all hanging off one long-lived root (Go: {@code BenchmarkSharedParent} with
 * {@code RunParallel} on 2 CPUs). Measured as throughput of both threads together; the report
 * turns it into aggregate nanoseconds per operation, as Go reports {@code RunParallel}.
 */
@State(Scope.Benchmark)
@Threads(2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SharedParentBench extends JmhDefaults {
    private CancellableContext parent;

    // grpc's shared parent, replaced every few children (GrpcParent says why) by either thread
    private volatile io.grpc.Context.CancellableContext grpcParent;

    /** Each thread's count of children derived from the current grpc parent. */
    @State(Scope.Thread)
    public static class GrpcChildren {
        int count;
    }

    @Setup
    public void setUp() {
        parent = Context.background().withCancel();
        grpcParent = io.grpc.Context.ROOT.withCancellation();
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
    public io.grpc.Context grpcListener(GrpcChildren children) {
        if (++children.count > GrpcParent.CHILDREN_PER_PARENT) {
            children.count = 1;
            grpcParent = io.grpc.Context.ROOT.withCancellation();
        }
        return ChildScope.grpcListened(grpcParent);
    }
}
