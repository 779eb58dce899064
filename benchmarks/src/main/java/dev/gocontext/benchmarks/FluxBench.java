package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code Flux.range(0, 1000).blockLast()} bound by {@code GoContext.deadlineOf} to a live ctx
 * with a one-hour deadline, against the ways Reactor itself offers to bound a pipeline in time:
 * none (plain), a per-item {@code timeout(Duration)}, a first-item {@code timeout(Publisher)} and
 * {@code takeUntilOther}, each with a one-hour timer that never fires. Each pipeline is assembled
 * inside the measurement, as a request handler assembles it per request; the ctx is the
 * request's, made before.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FluxBench extends JmhDefaults {
    private int items;
    private Duration hour;
    private CancellableContext ctx;

    @Setup
    public void setUp() {
        items = 1000;
        hour = Duration.ofHours(1);
        ctx = Context.background().withTimeout(hour);
    }

    @TearDown
    public void tearDown() {
        ctx.cancel();
    }

    @Benchmark
    public Integer deadlineOf() {
        return GoContext.deadlineOf(Flux.range(0, items))
                .contextWrite(GoContext.with(ctx))
                .blockLast();
    }

    @Benchmark
    public Integer plain() {
        return Flux.range(0, items).blockLast();
    }

    @Benchmark
    public Integer timeoutPerItem() {
        return Flux.range(0, items).timeout(hour).blockLast();
    }

    @Benchmark
    public Integer timeoutFirstItem() {
        return Flux.range(0, items).timeout(Mono.delay(hour)).blockLast();
    }

    @Benchmark
    public Integer takeUntilOther() {
        return Flux.range(0, items).takeUntilOther(Mono.delay(hour)).blockLast();
    }
}
