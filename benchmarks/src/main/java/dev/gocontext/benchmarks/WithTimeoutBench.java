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
 * A one-hour budget around {@code Flux.range(0, 1000).blockLast()}, the same pipeline three ways:
 * {@code GoContext.withTimeout} (a child of the request ctx per subscription, one timer, canceled at
 * the end), Reactor's per-element {@code timeout(Duration)}, and Reactor's first-element {@code
 * timeout(Mono.delay(1 h))}. None of the timers fires. Each pipeline is assembled inside the
 * measurement, as a request handler assembles it per request; the request ctx (a one-hour deadline
 * on the system clock, as a request's) is made before.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WithTimeoutBench extends JmhDefaults {
    private int items;
    private Duration hour;
    private CancellableContext request;

    @Setup
    public void setUp() {
        items = 1000;
        hour = Duration.ofHours(1);
        request = Context.background().withTimeout(Duration.ofHours(2));
    }

    @TearDown
    public void tearDown() {
        request.cancel();
    }

    @Benchmark
    public Integer withTimeout() {
        return GoContext.withTimeout(Flux.range(0, items), hour)
                .contextWrite(GoContext.with(request))
                .blockLast();
    }

    @Benchmark
    public Integer timeoutPerItem() {
        return Flux.range(0, items).timeout(hour).blockLast();
    }

    @Benchmark
    public Integer timeoutFirstItem() {
        return Flux.range(0, items).timeout(Mono.delay(hour)).blockLast();
    }
}
