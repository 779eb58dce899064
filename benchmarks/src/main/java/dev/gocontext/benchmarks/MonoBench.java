package dev.gocontext.benchmarks;

import dev.gocontext.Context;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Mono;

/**
 * Carrying a context through a {@code Mono}: write it into the subscriber context and read it
 * back inside the pipeline, with a plain Reactor {@code Context} entry as the peer.
 */
@State(Scope.Thread)
public class MonoBench extends JmhDefaults {
    /** The key of the plain Reactor Context entry. */
    private static final Object KEY = new Object();

    private Context ctx;

    @Setup
    public void setUp() {
        ctx = Context.background().withCancel();
    }

    @TearDown
    public void tearDown() {
        ((dev.gocontext.CancellableContext) ctx).cancel();
    }

    @Benchmark
    public Object reactorContext() {
        Context value = ctx;
        return Mono.deferContextual(view -> Mono.just(view.get(KEY)))
                .contextWrite(c -> c.put(KEY, value))
                .block();
    }
}
