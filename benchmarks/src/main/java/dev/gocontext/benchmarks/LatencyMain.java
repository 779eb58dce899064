package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * How long from a cancellation request until the source of a pipeline of {@value #OPERATORS}
 * operators observes the cancellation (its {@code doOnCancel} runs), recorded in an HdrHistogram
 * over many subscriptions: p50 and p99. A plain main, not JMH, because the quantity is a latency
 * distribution, not an average.
 *
 * <ul>
 *   <li>{@code ours}: the pipeline under {@code GoContext.deadlineOf}, bound to a fresh {@code
 *       withCancel()} ctx per subscription; the clock starts right before {@code ctx.cancel()};
 *   <li>{@code dispose}: Reactor's own {@code Disposable.dispose()} of the same subscription, the
 *       floor for any cancellation.
 * </ul>
 *
 * Usage: {@code LatencyMain [subscriptions]} (default 200,000, after 50,000 unrecorded ones).
 */
public final class LatencyMain {
    static final int OPERATORS = 10;

    /** Written by the source's doOnCancel (maybe on another thread), read by the measuring loop. */
    private static volatile long observedAt;

    private LatencyMain() {}

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        measure("ours", count, LatencyMain::cancelOnce);
        measure("dispose", count, LatencyMain::disposeOnce);
    }

    /** A never-ending source that records when it is cancelled, behind {@value #OPERATORS} operators. */
    static Flux<Long> pipeline() {
        Flux<Long> flux = Flux.<Long>never().doOnCancel(() -> observedAt = System.nanoTime());
        for (int i = 0; i < OPERATORS / 2; i++) {
            flux = flux.map(x -> x + 1).filter(x -> x >= 0);
        }
        return flux;
    }

    /** One subscription bound to a ctx, cancelled by ctx.cancel(); returns the latency in nanoseconds. */
    private static long cancelOnce(Flux<Long> pipeline) {
        CancellableContext ctx = Context.background().withCancel();
        GoContext.deadlineOf(pipeline).contextWrite(GoContext.with(ctx)).subscribe(x -> {}, e -> {});
        observedAt = 0;
        long start = System.nanoTime();
        ctx.cancel();
        return awaitObserved() - start;
    }

    /** One subscription cancelled by dispose(); returns the latency in nanoseconds. */
    private static long disposeOnce(Flux<Long> pipeline) {
        Disposable subscription = pipeline.subscribe(x -> {}, e -> {});
        observedAt = 0;
        long start = System.nanoTime();
        subscription.dispose();
        return awaitObserved() - start;
    }

    static long awaitObserved() {
        long at;
        while ((at = observedAt) == 0) {
            Thread.onSpinWait();
        }
        return at;
    }

    static void measure(String name, int count, Function<Flux<Long>, Long> once) {
        Flux<Long> pipeline = pipeline();
        for (int i = 0; i < count / 4; i++) {
            once.apply(pipeline); // warm-up, not recorded
        }
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
        for (int i = 0; i < count; i++) {
            histogram.recordValue(Math.min(once.apply(pipeline), histogram.getHighestTrackableValue()));
        }
        String prefix = "latency." + name.toLowerCase(Locale.ROOT);
        Results.print(prefix + ".p50Us", histogram.getValueAtPercentile(50) / 1e3, "us");
        Results.print(prefix + ".p99Us", histogram.getValueAtPercentile(99) / 1e3, "us");
        Results.print(prefix + ".maxUs", histogram.getMaxValue() / 1e3, "us");
    }
}
