package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code withTimeout(1h)} + {@code cancel}: a request deadline that is set and then released
 * because the work finished in time, the common case (Go: {@code BenchmarkTimeout}).
 *
 * <p>grpc needs a scheduler; it gets the one grpc itself uses for deadlines: one thread, with
 * cancelled tasks removed from the queue at once (grpc sets {@code removeOnCancelPolicy}).
 */
@State(Scope.Benchmark)
public class TimeoutBench extends JmhDefaults {
    private Duration hour;
    private long hourNanos;
    private ScheduledThreadPoolExecutor grpcScheduler;

    @Setup
    public void setUp() {
        hour = Duration.ofHours(1);
        hourNanos = hour.toNanos();
        grpcScheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "grpc-timer");
            t.setDaemon(true);
            return t;
        });
        grpcScheduler.setRemoveOnCancelPolicy(true);
    }

    @TearDown
    public void tearDown() {
        grpcScheduler.shutdownNow();
    }

    @Benchmark
    public CancellableContext ours() {
        CancellableContext ctx = Context.background().withTimeout(hour);
        ctx.cancel();
        return ctx;
    }

    @Benchmark
    public io.grpc.Context grpc() {
        io.grpc.Context.CancellableContext ctx =
                io.grpc.Context.ROOT.withDeadlineAfter(hourNanos, TimeUnit.NANOSECONDS, grpcScheduler);
        ctx.cancel(null);
        return ctx;
    }
}
