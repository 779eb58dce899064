package dev.gocontext.benchmarks;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The settings every benchmark class inherits (JMH annotations are inherited): average time in
 * nanoseconds, and a forked JVM with a fixed, pre-touched heap. Without the pre-touched heap the
 * first iterations on the build VM run 10 to 30 times slower while the heap is paged in. {@code
 * run.sh} overrides forks, warmup and measurement for its quick and full modes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class JmhDefaults {
    /**
     * Runs listeners on the thread that cancels, for both libraries alike: what is measured is the
     * bookkeeping of the context, not a thread hand-off.
     */
    protected static final Executor DIRECT = Runnable::run;
}
