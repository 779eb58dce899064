package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The derivation functions behind {@link Context}'s default methods: Go's {@code WithXxx} and
 * {@code propagateCancel}. They work on any parent, including user-written ones.
 */
final class Derive {
    /** Where {@link Context#withTimeSource} binds its time source. */
    static final Key<TimeSource> TIME_SOURCE = Key.of("timeSource");

    private Derive() {}

    static CancellableContext withCancel(Context parent) {
        CancelNode node = new CancelNode(unwrap(parent));
        ContextStats.recordCreated();
        attach(node);
        return LeakDetector.track(node);
    }

    static CancellableContext withDeadline(Context parent, Instant deadline, @Nullable Throwable cause) {
        Objects.requireNonNull(deadline, "deadline");
        Context p = unwrap(parent);
        if (parentIsEarlier(p, deadline)) {
            return withCancel(p);
        }
        TimeSource time = timeSourceOf(p);
        return withTimer(p, deadline, cause, time, Instants.nanosBetween(time.now(), deadline));
    }

    static CancellableContext withTimeout(Context parent, Duration timeout, @Nullable Throwable cause) {
        Objects.requireNonNull(timeout, "timeout");
        Context p = unwrap(parent);
        TimeSource time = timeSourceOf(p);
        Instant deadline = Instants.saturatedPlus(time.now(), timeout);
        if (parentIsEarlier(p, deadline)) {
            return withCancel(p);
        }
        return withTimer(p, deadline, cause, time, Instants.saturatedNanos(timeout));
    }

    private static CancellableContext withTimer(
            Context parent, Instant deadline, @Nullable Throwable cause, TimeSource time, long remainingNanos) {
        boolean onSystemTimer = time == SystemTimer.SystemTimeSource.INSTANCE
                && remainingNanos > 0
                && remainingNanos < Instants.FOREVER_NANOS;
        TimerNode node = new TimerNode(parent, deadline, cause, onSystemTimer);
        ContextStats.recordCreated();
        attach(node); // a done parent wins over a passed deadline, as in Go
        node.start(time, remainingNanos);
        return LeakDetector.track(node);
    }

    static <T> Context withValue(Context parent, Key<T> key, @Nullable T value) {
        Objects.requireNonNull(key, "key");
        return ValueContext.derive(unwrap(parent), key, value);
    }

    static Context withoutCancel(Context parent) {
        return new NeverCanceledContext.WithoutCancelContext(unwrap(parent));
    }

    static Context withTimeSource(Context parent, TimeSource timeSource) {
        return withValue(parent, TIME_SOURCE, Objects.requireNonNull(timeSource, "timeSource"));
    }

    static TimeSource timeSourceOf(Context ctx) {
        TimeSource source = ctx.value(TIME_SOURCE);
        return source != null ? source : SystemTimer.SystemTimeSource.INSTANCE;
    }

    static Throwable requireCause(Throwable cause) {
        return Objects.requireNonNull(cause, "cause");
    }

    /** The context itself, or the node behind a leak-tracked handle (never reference the handle). */
    static Context unwrap(Context ctx) {
        return ctx instanceof LeakDetector.TrackedHandle handle ? handle.node : ctx;
    }

    /** Go's rule: a child never outlives its parent's deadline. */
    private static boolean parentIsEarlier(Context parent, Instant deadline) {
        Instant current = deadlineOf(parent);
        return current != null && current.isBefore(deadline);
    }

    /** The deadline of {@code ctx}, or null: Go's {@code Deadline()}, walked in a loop. */
    static @Nullable Instant deadlineOf(Context ctx) {
        Context c = ctx;
        while (true) {
            if (c instanceof TimerNode t) {
                return t.deadline;
            } else if (c instanceof CancelNode n) {
                c = n.parent;
            } else if (c instanceof ValueContext v) {
                c = v.base();
            } else if (c instanceof NeverCanceledContext) {
                return null;
            } else {
                return c.deadline().orElse(null);
            }
        }
    }

    /** Where {@code parent}'s done signal comes from: itself, or the base of a value context. */
    private static Context doneSource(Context parent) {
        return parent instanceof ValueContext v ? v.base() : parent;
    }

    /** Go's propagateCancel: make {@code child} done when its parent is. */
    private static void attach(CancelNode child) {
        Context source = doneSource(child.parent);
        if (source instanceof CancelNode node) {
            node.adopt(child);
            return;
        }
        if (source instanceof NeverCanceledContext) {
            return; // never done
        }
        // a user-written parent (its done() is asked once): register with the node behind it if
        // it is one of ours, else with the watch of its done signal, or through its own afterDone
        Done parentDone = source.done();
        if (parentDone instanceof CancelNode.NodeDone d) {
            d.node.adopt(child);
            return;
        }
        if (parentDone == Done.never()) {
            return;
        }
        if (parentDone.isDone()) {
            child.complete(CancelNode.Completion.ofForeign(source));
            return;
        }
        if (!ParentWatch.hasOwnAfterDone(source)) {
            ParentWatch.of(source, parentDone).adopt(child);
            return;
        }
        Registration watch =
                source.afterDone(() -> child.complete(CancelNode.Completion.ofForeign(source)), Runnable::run);
        if (!child.add(new Waiter.StopOnDone(watch))) {
            watch.stop();
        }
    }
}
