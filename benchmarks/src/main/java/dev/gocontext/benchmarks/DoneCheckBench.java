package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Polling a live context, as a loop does between steps of work: {@code err()} and {@code
 * done().isDone()} on a context 1 and 4 cancellable levels below the root (Go: {@code
 * BenchmarkErr*}, {@code BenchmarkDone*}; grpc: {@code cancellationCause()} and {@code
 * isCancelled()}, which walk up to the root). {@link #floor} is the harness's own cost for the
 * same shape of work (read a volatile field, return it): what is left above it is the check.
 */
@State(Scope.Thread)
public class DoneCheckBench extends JmhDefaults {
    private CancellableContext root;
    private Context depth1;
    private Context depth4;
    private io.grpc.Context.CancellableContext grpcRoot;
    private io.grpc.Context grpcDepth1;
    private io.grpc.Context grpcDepth4;
    private volatile Object field;

    @Setup
    public void setUp() {
        root = Context.background().withCancel();
        depth1 = root;
        depth4 = root.withCancel().withCancel().withCancel();
        grpcRoot = io.grpc.Context.ROOT.withCancellation();
        grpcDepth1 = grpcRoot;
        grpcDepth4 = grpcRoot.withCancellation().withCancellation().withCancellation();
    }

    @TearDown
    public void tearDown() {
        root.cancel();
        grpcRoot.cancel(null);
    }

    @Benchmark
    public Object floor() {
        return field;
    }

    @Benchmark
    public Object oursErrDepth1() {
        return depth1.err();
    }

    @Benchmark
    public Object oursErrDepth4() {
        return depth4.err();
    }

    @Benchmark
    public boolean oursIsDoneDepth1() {
        return depth1.done().isDone();
    }

    @Benchmark
    public boolean oursIsDoneDepth4() {
        return depth4.done().isDone();
    }

    @Benchmark
    public Object grpcErrDepth1() {
        return grpcDepth1.cancellationCause();
    }

    @Benchmark
    public Object grpcErrDepth4() {
        return grpcDepth4.cancellationCause();
    }

    @Benchmark
    public boolean grpcIsDoneDepth1() {
        return grpcDepth1.isCancelled();
    }

    @Benchmark
    public boolean grpcIsDoneDepth4() {
        return grpcDepth4.isCancelled();
    }
}
