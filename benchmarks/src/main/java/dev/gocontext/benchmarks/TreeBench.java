package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * A cancellation tree of {@value #NODES} nodes (a root, fan-out {@value #FAN_OUT}, {@value
 * #DEPTH} levels below it): build it, then cancel the root (Go: {@code BenchmarkTree}). The
 * "listeners" variants register a listener on every node, run on the cancelling thread, so every
 * cancellation is observed (Go cannot: its {@code AfterFunc} is 1.21+ and starts a goroutine).
 *
 * <p>grpc without listeners builds an unlinked tree: cancelling the root touches only the root,
 * and descendants find out when asked. That lazy variant is shown for reference.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TreeBench extends JmhDefaults {
    static final int FAN_OUT = 10;
    static final int DEPTH = 4;
    static final int NODES = 1 + 10 + 100 + 1_000 + 10_000;

    /** Counts listener calls, so the listeners do observable work. */
    private int observed;

    private final Runnable ourListener = () -> observed++;
    private final io.grpc.Context.CancellationListener grpcListener = context -> observed++;

    @Benchmark
    public CancellableContext ours() {
        CancellableContext root = Context.background().withCancel();
        buildOurs(root, DEPTH, false);
        root.cancel();
        return root;
    }

    @Benchmark
    public void oursListeners(Blackhole bh) {
        observed = 0;
        CancellableContext root = Context.background().withCancel();
        root.afterDone(ourListener, DIRECT);
        buildOurs(root, DEPTH, true);
        root.cancel();
        bh.consume(observed);
    }

    @Benchmark
    public io.grpc.Context grpcLazy() {
        io.grpc.Context.CancellableContext root = io.grpc.Context.ROOT.withCancellation();
        buildGrpc(root, DEPTH, false);
        root.cancel(null);
        return root;
    }

    @Benchmark
    public void grpcListeners(Blackhole bh) {
        observed = 0;
        io.grpc.Context.CancellableContext root = io.grpc.Context.ROOT.withCancellation();
        root.addListener(grpcListener, DIRECT);
        buildGrpc(root, DEPTH, true);
        root.cancel(null);
        bh.consume(observed);
    }

    /** Proves the listener variants observed every node (the check runs outside the measurement). */
    @TearDown
    public void checkObserved() {
        if (observed != 0 && observed != NODES) {
            throw new IllegalStateException(observed + " listeners ran, expected " + NODES);
        }
    }

    private void buildOurs(Context parent, int levels, boolean listen) {
        for (int i = 0; i < FAN_OUT; i++) {
            CancellableContext child = parent.withCancel();
            if (listen) {
                child.afterDone(ourListener, DIRECT);
            }
            if (levels > 1) {
                buildOurs(child, levels - 1, listen);
            }
        }
    }

    private void buildGrpc(io.grpc.Context parent, int levels, boolean listen) {
        for (int i = 0; i < FAN_OUT; i++) {
            io.grpc.Context.CancellableContext child = parent.withCancellation();
            if (listen) {
                child.addListener(grpcListener, DIRECT);
            }
            if (levels > 1) {
                buildGrpc(child, levels - 1, listen);
            }
        }
    }
}
