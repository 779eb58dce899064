package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Mono;

/**
 * Carrying a context through a {@code Mono}: write it into the subscriber context and read it
 * back inside the pipeline: {@code GoContext.with} + {@code GoContext.current()}, against the
 * same done by hand with a plain Reactor {@code Context} entry.
 */
@State(Scope.Thread)
public class MonoBench extends JmhDefaults {
    /** The key of the plain Reactor Context entry. */
    private static final Object KEY = new Object();

    private CancellableContext ctx;

    @Setup
    public void setUp() {
        ctx = Context.background().withCancel();
    }

    @TearDown
    public void tearDown() {
        ctx.cancel();
    }

    @Benchmark
    public Context goContext() {
        return GoContext.current().contextWrite(GoContext.with(ctx)).block();
    }

    @Benchmark
    public Object reactorContext() {
        Context value = ctx;
        return Mono.deferContextual(view -> Mono.just(view.get(KEY)))
                .contextWrite(c -> c.put(KEY, value))
                .block();
    }
}
