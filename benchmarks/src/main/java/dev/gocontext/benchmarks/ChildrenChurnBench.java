package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@value #CHILDREN} children, each with a listener, under one live parent, cancelled one by one
 * (Go: {@code BenchmarkChildrenOneByOne}): a long-lived parent (a connection, a server) whose
 * requests end in any order. Each cancel must unregister the child from the parent in O(1);
 * quadratic removal shows up here. Only the cancelling is measured; the children are built before
 * each shot. {@link FootprintMain} checks that nothing stays reachable afterwards.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
public class ChildrenChurnBench extends JmhDefaults {
    static final int CHILDREN = 20_000;

    /** Our children, built before each shot. */
    @State(Scope.Thread)
    public static class Ours {
        private final Runnable listener = () -> {};
        private final CancellableContext[] children = new CancellableContext[CHILDREN];
        private CancellableContext parent;

        @Setup(Level.Invocation)
        public void setUp() {
            parent = Context.background().withCancel();
            for (int i = 0; i < CHILDREN; i++) {
                children[i] = parent.withCancel();
                children[i].afterDone(listener, DIRECT);
            }
        }

        @TearDown(Level.Invocation)
        public void tearDown() {
            parent.cancel();
        }
    }

    /** grpc's children, built before each shot. */
    @State(Scope.Thread)
    public static class Grpc {
        private final io.grpc.Context.CancellationListener listener = context -> {};
        private final io.grpc.Context.CancellableContext[] children = new io.grpc.Context.CancellableContext[CHILDREN];
        private io.grpc.Context.CancellableContext parent;

        @Setup(Level.Invocation)
        public void setUp() {
            parent = io.grpc.Context.ROOT.withCancellation();
            for (int i = 0; i < CHILDREN; i++) {
                children[i] = parent.withCancellation();
                children[i].addListener(listener, DIRECT);
            }
        }

        @TearDown(Level.Invocation)
        public void tearDown() {
            parent.cancel(null);
        }
    }

    @Benchmark
    public void ours(Ours state) {
        for (CancellableContext child : state.children) {
            child.cancel();
        }
    }

    @Benchmark
    public void grpc(Grpc state) {
        for (io.grpc.Context.CancellableContext child : state.children) {
            child.cancel(null);
        }
    }
}
