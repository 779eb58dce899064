package dev.gocontext.benchmarks;

import dev.gocontext.Context;
import dev.gocontext.Key;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Request-scoped values: a context with {@value #VALUES} values bound one after another, looked up
 * by the deepest key (the first one bound, farthest from the leaf: the worst case of a chain walk)
 * and by a key that is not bound (Go: {@code BenchmarkValueDeepest}, {@code
 * BenchmarkValueMissing}); and building that context (Go: {@code BenchmarkBuildValues}).
 *
 * <p>Peers on the same {@value #VALUES} bindings: grpc's {@code Context} (a chain of key/value
 * nodes) and Reactor's {@code Context} (a hash map beyond five entries), looked up through {@code
 * ContextView.get} and {@code getOrDefault}, as a Reactor pipeline reads its subscriber context.
 */
@State(Scope.Thread)
public class ValueBench extends JmhDefaults {
    static final int VALUES = 10;

    private final Key<?>[] keys = new Key<?>[VALUES];
    private final Object[] values = new Object[VALUES];
    private Key<?> deepest;
    private Key<?> missing;
    private Context ctx;

    private final io.grpc.Context.Key<?>[] grpcKeys = new io.grpc.Context.Key<?>[VALUES];
    private io.grpc.Context.Key<?> grpcDeepest;
    private io.grpc.Context.Key<?> grpcMissing;
    private io.grpc.Context grpcCtx;

    private final Object[] reactorKeys = new Object[VALUES];
    private Object reactorDeepest;
    private Object reactorMissing;
    private reactor.util.context.ContextView reactorCtx;

    @Setup
    public void setUp() {
        for (int i = 0; i < VALUES; i++) {
            keys[i] = Key.of("key" + i);
            grpcKeys[i] = io.grpc.Context.key("key" + i);
            reactorKeys[i] = "key" + i;
            values[i] = "value" + i;
        }
        deepest = keys[0];
        grpcDeepest = grpcKeys[0];
        missing = Key.of("missing");
        grpcMissing = io.grpc.Context.key("missing");
        reactorDeepest = reactorKeys[0];
        reactorMissing = "missing";
        ctx = buildOurs();
        grpcCtx = buildGrpc();
        reactorCtx = buildReactor();
    }

    @Benchmark
    public Object oursDeepest() {
        return ctx.value(deepest);
    }

    @Benchmark
    public Object oursMissing() {
        return ctx.value(missing);
    }

    @Benchmark
    public Object grpcDeepest() {
        return grpcDeepest.get(grpcCtx);
    }

    @Benchmark
    public Object grpcMissing() {
        return grpcMissing.get(grpcCtx);
    }

    @Benchmark
    public Object reactorDeepest() {
        return reactorCtx.get(reactorDeepest);
    }

    @Benchmark
    public Object reactorMissing() {
        return reactorCtx.getOrDefault(reactorMissing, null);
    }

    @Benchmark
    @SuppressWarnings("unchecked")
    public Context buildOurs() {
        Context c = Context.background();
        for (int i = 0; i < VALUES; i++) {
            c = c.withValue((Key<Object>) keys[i], values[i]);
        }
        return c;
    }

    @Benchmark
    @SuppressWarnings("unchecked")
    public io.grpc.Context buildGrpc() {
        io.grpc.Context c = io.grpc.Context.ROOT;
        for (int i = 0; i < VALUES; i++) {
            c = c.withValue((io.grpc.Context.Key<Object>) grpcKeys[i], values[i]);
        }
        return c;
    }

    @Benchmark
    public reactor.util.context.Context buildReactor() {
        reactor.util.context.Context c = reactor.util.context.Context.empty();
        for (int i = 0; i < VALUES; i++) {
            c = c.put(reactorKeys[i], values[i]);
        }
        return c;
    }
}
