package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Two threads at once deriving a child from one shared live parent and cancelling it: a server's
 * request contexts all hanging off one long-lived root, derived on every event-loop thread at once
 * (Go: {@code BenchmarkSharedParent} with {@code RunParallel} on 2 CPUs). Measured as throughput
 * of both threads together; the report turns it into aggregate nanoseconds per operation, as Go
 * reports {@code RunParallel}, and compares it with one thread doing the same in the same run
 * ({@link #oursOneThread}): two threads must do at least as much work per second as one. The
 * control {@link #oursOwnParents} runs the same two threads each under a parent of its own.
 *
 * <p>Evidence that both threads really ran in parallel: at the end of every iteration each thread
 * prints its own operations and the CPU time it got against the iteration's wall time ({@code
 * cpu/wall} near 100% for both threads means both had a core the whole time).
 */
@State(Scope.Benchmark)
@Threads(2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SharedParentBench extends JmhDefaults {
    private CancellableContext parent;

    // grpc's shared parent, replaced every few children (GrpcParent says why) by either thread
    private volatile io.grpc.Context.CancellableContext grpcParent;

    /** Each thread's count of children derived from the current grpc parent. */
    @State(Scope.Thread)
    public static class GrpcChildren {
        int count;
    }

    /** A parent of each thread's own, for the control that shares nothing. */
    @State(Scope.Thread)
    public static class OwnParent {
        CancellableContext parent;

        @Setup
        public void setUp() {
            parent = Context.background().withCancel();
        }

        @TearDown
        public void tearDown() {
            parent.cancel();
        }
    }

    /**
     * Each thread's operations, CPU time and wall time over one iteration. Its fields come after
     * those of {@link FrontPadding}: JMH pads the fields it adds after a state's own, not before,
     * and the count this thread writes per operation must not share a cache line with whatever
     * object the collector puts in front of it.
     */
    @State(Scope.Thread)
    public static class ThreadEvidence extends FrontPadding {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        long ops;
        private long cpuStart;
        private long wallStart;

        @Setup(Level.Iteration)
        public void start() {
            ops = 0;
            cpuStart = THREADS.getCurrentThreadCpuTime();
            wallStart = System.nanoTime();
        }

        @TearDown(Level.Iteration)
        public void report() {
            long cpu = THREADS.getCurrentThreadCpuTime() - cpuStart;
            long wall = System.nanoTime() - wallStart;
            System.out.printf(
                    "%n  [%s] ops %,d, cpu %,d ms of wall %,d ms (cpu/wall %.0f%%), %.1f ns of cpu per op",
                    Thread.currentThread().getName(),
                    ops,
                    TimeUnit.NANOSECONDS.toMillis(cpu),
                    TimeUnit.NANOSECONDS.toMillis(wall),
                    100.0 * cpu / wall,
                    ops == 0 ? 0.0 : (double) cpu / ops);
        }
    }

    /** 128 bytes that a subclass's fields follow. */
    @SuppressWarnings("unused") // never read: it only takes room
    public static class FrontPadding {
        long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    @Setup
    public void setUp() {
        parent = Context.background().withCancel();
        grpcParent = io.grpc.Context.ROOT.withCancellation();
    }

    @TearDown
    public void tearDown() {
        parent.cancel();
    }

    @Benchmark
    public CancellableContext ours(ThreadEvidence evidence) {
        evidence.ops++;
        return ChildScope.ours(parent);
    }

    /** The same work on one thread, in the same run: what two threads must at least match. */
    @Benchmark
    @Threads(1)
    public CancellableContext oursOneThread(ThreadEvidence evidence) {
        evidence.ops++;
        return ChildScope.ours(parent);
    }

    /**
     * Control: the same two threads, each under a parent of its own, so that no list, stripe or
     * lock of the library is shared (only the process-wide {@code ContextStats} counters and the
     * leak detector's sampling are). What two threads get here is what two threads get on this
     * machine without a shared parent; the shared parent is measured against it as well as
     * against one thread.
     */
    @Benchmark
    public CancellableContext oursOwnParents(OwnParent own, ThreadEvidence evidence) {
        evidence.ops++;
        return ChildScope.ours(own.parent);
    }

    @Benchmark
    public io.grpc.Context grpcListener(GrpcChildren children, ThreadEvidence evidence) {
        evidence.ops++;
        if (++children.count > GrpcParent.CHILDREN_PER_PARENT) {
            children.count = 1;
            grpcParent = io.grpc.Context.ROOT.withCancellation();
        }
        return ChildScope.grpcListened(grpcParent);
    }
}
