package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Plain mains (not JMH: they measure the heap, which needs a quiet, single-purpose JVM each):
 *
 * <ul>
 *   <li>{@code timers ours|grpc [count]}: {@code count} (default 1,000,000) live contexts with a
 *       one-hour timeout each, all alive at once, as a busy server holds them: heap bytes per
 *       context, and the time to create them all and to cancel them all (Go: {@code
 *       go/timers}). One unmeasured round warms up the JIT, then the median of {@value #TIMER_ROUNDS}
 *       rounds is reported.
 *   <li>{@code retention ours|grpc}: 20,000 children with a listener each under one live parent,
 *       cancelled one by one, then dropped: how many stay reachable from the parent, and how
 *       many heap bytes per child.
 * </ul>
 *
 * Prints {@code RESULT} lines for {@code report.py}. Run with {@code -Xms1g -Xmx1g
 * -XX:+AlwaysPreTouch}.
 */
public final class FootprintMain {
    private static final Duration HOUR = Duration.ofHours(1);
    private static final int RETENTION_CHILDREN = ChildrenChurnBench.CHILDREN;

    /** Measured rounds of the timers scenario; the median is reported. */
    static final int TIMER_ROUNDS = 3;

    private FootprintMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: FootprintMain timers|retention ours|grpc [count]");
        }
        String scenario = args[0];
        Impl impl = Impl.valueOf(args[1].toUpperCase(Locale.ROOT));
        switch (scenario) {
            case "timers" -> timers(impl, args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000);
            case "retention" -> retention(impl);
            default -> throw new IllegalArgumentException("unknown scenario: " + scenario);
        }
    }

    /** The two implementations under test, behind the few operations the mains need. */
    enum Impl {
        OURS {
            @Override
            Object newTimer() {
                return Context.background().withTimeout(HOUR);
            }

            @Override
            void cancel(Object ctx) {
                ((CancellableContext) ctx).cancel();
            }

            @Override
            Object newParent() {
                return Context.background().withCancel();
            }

            @Override
            Object newListenedChild(Object parent) {
                CancellableContext child = ((Context) parent).withCancel();
                child.afterDone(() -> {}, Runnable::run);
                return child;
            }
        },
        GRPC {
            @Override
            Object newTimer() {
                return io.grpc.Context.ROOT.withDeadlineAfter(HOUR.toNanos(), TimeUnit.NANOSECONDS, GRPC_SCHEDULER);
            }

            @Override
            void cancel(Object ctx) {
                ((io.grpc.Context.CancellableContext) ctx).cancel(null);
            }

            @Override
            Object newParent() {
                return io.grpc.Context.ROOT.withCancellation();
            }

            @Override
            Object newListenedChild(Object parent) {
                io.grpc.Context.CancellableContext child = ((io.grpc.Context) parent).withCancellation();
                child.addListener(context -> {}, Runnable::run);
                return child;
            }
        };

        abstract Object newTimer();

        abstract void cancel(Object ctx);

        abstract Object newParent();

        abstract Object newListenedChild(Object parent);
    }

    /** grpc's deadline scheduler, configured as grpc configures its own. */
    private static final ScheduledThreadPoolExecutor GRPC_SCHEDULER = newGrpcScheduler();

    private static ScheduledThreadPoolExecutor newGrpcScheduler() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, "grpc-timer");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    private static void timers(Impl impl, int count) {
        String name = "timers." + impl.name().toLowerCase(Locale.ROOT);
        Object[] live = new Object[count];
        createAll(impl, live); // warm-up round
        cancelAll(impl, live);
        long[] createNanos = new long[TIMER_ROUNDS];
        long[] cancelNanos = new long[TIMER_ROUNDS];
        double bytesPerCtx = 0;
        for (int round = 0; round < TIMER_ROUNDS; round++) {
            long before = Results.usedHeapAfterGc();
            long t0 = System.nanoTime();
            createAll(impl, live);
            createNanos[round] = System.nanoTime() - t0;
            bytesPerCtx = (Results.usedHeapAfterGc() - before) / (double) count;
            long t1 = System.nanoTime();
            cancelAll(impl, live);
            cancelNanos[round] = System.nanoTime() - t1;
        }
        Results.print(name + ".bytesPerCtx", bytesPerCtx, "B");
        Results.print(name + ".createMs", Results.median(createNanos) / 1e6, "ms");
        Results.print(name + ".cancelMs", Results.median(cancelNanos) / 1e6, "ms");
        Results.print(name + ".count", count, "contexts");
    }

    private static void createAll(Impl impl, Object[] live) {
        for (int i = 0; i < live.length; i++) {
            live[i] = impl.newTimer();
        }
    }

    private static void cancelAll(Impl impl, Object[] live) {
        for (int i = 0; i < live.length; i++) {
            impl.cancel(live[i]);
            live[i] = null;
        }
    }

    private static void retention(Impl impl) {
        String name = "retention." + impl.name().toLowerCase(Locale.ROOT);
        Object parent = impl.newParent();
        Object[] children = new Object[RETENTION_CHILDREN];
        @SuppressWarnings("unchecked")
        WeakReference<Object>[] refs = new WeakReference[RETENTION_CHILDREN];
        long before = Results.usedHeapAfterGc();
        for (int i = 0; i < children.length; i++) {
            children[i] = impl.newListenedChild(parent);
            refs[i] = new WeakReference<>(children[i]);
        }
        for (int i = 0; i < children.length; i++) {
            impl.cancel(children[i]);
            children[i] = null;
        }
        Results.usedHeapAfterGc(); // clears the weak references of unreachable children
        int retained = 0;
        for (int i = 0; i < refs.length; i++) {
            if (refs[i].get() != null) {
                retained++;
            }
            refs[i] = null; // the weak references are the benchmark's own bytes, not the library's
        }
        long after = Results.usedHeapAfterGc();
        Results.print(name + ".retainedChildren", retained, "children");
        Results.print(name + ".retainedBytesPerChild", Math.max(0, after - before) / (double) RETENTION_CHILDREN, "B");
        Results.check(parent != null, "parent must stay alive during the measurement");
        impl.cancel(parent);
    }
}
