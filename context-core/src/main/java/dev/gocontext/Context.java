package dev.gocontext;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A deadline, a cancellation signal and request-scoped values, carried across API boundaries and
 * threads: Go's {@code context.Context}, with Go's semantics.
 *
 * <p>Contexts form a tree. The roots are {@link #background()} and {@link #todo()}; every other
 * context is derived from a parent with {@code withCancel}, {@code withDeadline}, {@code
 * withTimeout}, {@code withValue} or {@code withoutCancel}. When a context is canceled, or its
 * deadline passes, it and all its descendants become done; its parent is not affected:
 *
 * <pre>{@code
 * static final Key<String> USER = Key.of("user");
 *
 * void handle(Request req) {
 *     try (CancellableContext ctx = Context.background()
 *             .withValue(USER, req.user())
 *             .withTimeout(Duration.ofSeconds(3))) {
 *         String rows = queryDatabase(ctx, req.query());   // gives up when ctx is done
 *         reply(rows);
 *     }                                                    // defer cancel()
 * }
 *
 * String queryDatabase(Context ctx, String sql) throws InterruptedException {
 *     while (!ctx.done().isDone()) {
 *         // ... work in small steps, checking ctx between them
 *     }
 *     throw ctx.err();   // Context.CANCELED or Context.DEADLINE_EXCEEDED
 * }
 * }</pre>
 *
 * <p>Pass a context explicitly, as the first parameter of the methods that need it; do not store
 * it in fields of long-lived objects. Every context is immutable apart from becoming done, and safe
 * to use from any number of threads.
 *
 * <h2>Implementing Context</h2>
 *
 * Implement the four Go methods {@link #deadline()}, {@link #done()}, {@link #err()} and {@link
 * #value(Key)} (and {@link #cause()} if the context has causes); the derivation methods are
 * defaults that work on any implementation: cancellation of a user-written parent reaches the
 * children derived from it without a thread per parent. An implementation that can, should also
 * override {@link #afterDone(Runnable, Executor)}.
 */
public interface Context {
    /**
     * The error of a canceled context; message {@code "context canceled"}. Go's {@code
     * context.Canceled}.
     */
    CanceledException CANCELED = new CanceledException();

    /**
     * The error of a context whose deadline passed; message {@code "context deadline exceeded"}.
     * Go's {@code context.DeadlineExceeded}.
     */
    DeadlineExceededException DEADLINE_EXCEEDED = new DeadlineExceededException();

    /**
     * The root of every context tree (Go's {@code Background()}): never done, no deadline, no
     * values. One shared instance; {@code toString()} is {@code "context.Background"}.
     */
    static Context background() {
        return NeverCanceledContext.EmptyContext.BACKGROUND;
    }

    /**
     * A placeholder root for code that does not have a context yet (Go's {@code TODO()}): behaves
     * as {@link #background()}, but is a different instance, so tools can find it. {@code
     * toString()} is {@code "context.TODO"}.
     */
    static Context todo() {
        return NeverCanceledContext.EmptyContext.TODO;
    }

    /**
     * When this context will be canceled by its deadline (Go's {@code Deadline()}).
     *
     * @return the deadline, or empty if this context has none
     */
    Optional<Instant> deadline();

    /**
     * The done signal (Go's {@code Done()}). Never null: a context that can never be done returns
     * {@link Done#never()}.
     */
    Done done();

    /**
     * Why this context is done (Go's {@code Err()}).
     *
     * @return {@code null} while not done; then exactly {@link #CANCELED} or {@link
     *     #DEADLINE_EXCEEDED}, the same instance on every call
     */
    @Nullable
    ContextException err();

    /**
     * The value bound to {@code key} by the nearest {@link #withValue(Key, Object)} on the path to
     * the root (Go's {@code Value()}).
     *
     * @return the value, or {@code null} if the key is not bound (or bound to {@code null})
     * @throws NullPointerException if {@code key} is null
     */
    <T> @Nullable T value(Key<T> key);

    /**
     * The cause of this context's cancellation (Go's {@code context.Cause(ctx)}).
     *
     * @return {@code null} while not done; else the cause given to {@link
     *     CancellableContext#cancel(Throwable)}, or to {@code withDeadline}/{@code withTimeout}
     *     with a cause when the deadline fired; a context canceled by its parent has its parent's
     *     cause; otherwise the same as {@link #err()}
     */
    default @Nullable Throwable cause() {
        return err();
    }

    /**
     * A child that is canceled when its cancel method is called or when this context is done,
     * whichever happens first (Go's {@code WithCancel} and {@code WithCancelCause}).
     *
     * <pre>{@code
     * try (CancellableContext ctx = parent.withCancel()) {
     *     workers.forEach(w -> w.start(ctx));
     *     if (failed) ctx.cancel(new IllegalStateException("worker 3 failed"));
     * }
     * }</pre>
     *
     * <p>If this context is already done, the child is done at once with this context's error
     * and cause.
     */
    default CancellableContext withCancel() {
        return Derive.withCancel(this);
    }

    /**
     * A child that is also canceled when {@code deadline} passes (Go's {@code WithDeadline}); its
     * error is then {@link #DEADLINE_EXCEEDED}. If this context's deadline is earlier, the child
     * keeps that one. A deadline that is not in the future gives a child that is done at once.
     *
     * @throws NullPointerException if {@code deadline} is null
     */
    default CancellableContext withDeadline(Instant deadline) {
        return Derive.withDeadline(this, deadline, null);
    }

    /**
     * As {@link #withDeadline(Instant)}, and when the deadline fires, {@link #cause()} is {@code
     * cause} (Go's {@code WithDeadlineCause}). The cause is used only when this child's own
     * deadline fires; if this context's deadline is earlier, {@code cause} is never used.
     *
     * @throws NullPointerException if {@code deadline} or {@code cause} is null
     */
    default CancellableContext withDeadline(Instant deadline, Throwable cause) {
        return Derive.withDeadline(this, deadline, Derive.requireCause(cause));
    }

    /**
     * A child that is canceled when {@code timeout} has passed (Go's {@code WithTimeout}), as
     * {@code withDeadline(now + timeout)}. A timeout that is zero or negative gives a child that is
     * done at once; a huge one (up to {@code Duration.ofSeconds(Long.MAX_VALUE)}) never fires.
     *
     * <pre>{@code
     * try (CancellableContext ctx = parent.withTimeout(Duration.ofMillis(300))) {
     *     return client.call(ctx, request);
     * }
     * }</pre>
     *
     * @throws NullPointerException if {@code timeout} is null
     */
    default CancellableContext withTimeout(Duration timeout) {
        return Derive.withTimeout(this, timeout, null);
    }

    /**
     * As {@link #withTimeout(Duration)}, with the cause of {@link #withDeadline(Instant,
     * Throwable)} (Go's {@code WithTimeoutCause}).
     *
     * @throws NullPointerException if {@code timeout} or {@code cause} is null
     */
    default CancellableContext withTimeout(Duration timeout, Throwable cause) {
        return Derive.withTimeout(this, timeout, Derive.requireCause(cause));
    }

    /**
     * A child that binds {@code key} to {@code value} and otherwise behaves as this context (Go's
     * {@code WithValue}). Use it for request-scoped data that crosses API boundaries (request ids,
     * the authenticated user), not to pass optional parameters.
     *
     * @param value the value; may be null (then {@code value(key)} is null below this child)
     * @throws NullPointerException if {@code key} is null
     */
    default <T> Context withValue(Key<T> key, @Nullable T value) {
        return Derive.withValue(this, key, value);
    }

    /**
     * A child that keeps this context's values but is never canceled (Go's {@code
     * WithoutCancel}): no deadline, {@link Done#never()}, {@code err()} and {@code cause()} null.
     * For work that must outlive the request, such as writing an audit record.
     */
    default Context withoutCancel() {
        return Derive.withoutCancel(this);
    }

    /**
     * A child whose deadlines ({@code withDeadline}, {@code withTimeout} below it) are measured
     * and fired by {@code timeSource}, so that tests can drive time. The child is otherwise this
     * context; it is not cancellable by itself.
     *
     * <pre>{@code
     * ManualTimeSource time = TimeSource.manual(Instant.parse("2026-01-01T00:00:00Z"));
     * CancellableContext ctx = Context.background().withTimeSource(time)
     *         .withTimeout(Duration.ofSeconds(3));
     * time.advance(Duration.ofSeconds(3));
     * assert ctx.err() == Context.DEADLINE_EXCEEDED;
     * }</pre>
     *
     * @throws NullPointerException if {@code timeSource} is null
     */
    default Context withTimeSource(TimeSource timeSource) {
        return Derive.withTimeSource(this, timeSource);
    }

    /**
     * The time left until {@link #deadline()}, measured by {@link #timeSource()}: Go's {@code
     * time.Until(deadline)}, for budgets handed to other systems (a query timeout, a header for the
     * next hop).
     *
     * <pre>{@code
     * ctx.remaining().ifPresent(left -> statement.setQueryTimeout((int) Math.max(1, left.toSeconds())));
     * }</pre>
     *
     * @return empty if this context has no deadline; zero or negative once it has passed
     */
    default Optional<Duration> remaining() {
        return deadline().map(deadline -> Duration.between(timeSource().now(), deadline));
    }

    /** The time source of this context's deadlines: the nearest {@link #withTimeSource}, else the system clock. */
    default TimeSource timeSource() {
        return Derive.timeSourceOf(this);
    }

    /**
     * Runs {@code action} once, on a thread of an internal pool, after this context is done (at
     * once if it already is): Go's {@code context.AfterFunc}. The pool never runs it on the thread
     * that calls {@code cancel()}. An action that throws is reported to its thread's uncaught
     * exception handler; other actions still run.
     *
     * <pre>{@code
     * Registration reg = ctx.afterDone(statement::cancel);
     * try {
     *     return statement.executeQuery();
     * } finally {
     *     reg.stop();
     * }
     * }</pre>
     *
     * @return the handle whose {@link Registration#stop()} keeps the action from running
     * @throws NullPointerException if {@code action} is null
     */
    default Registration afterDone(Runnable action) {
        return afterDone(action, AfterDone.defaultExecutor());
    }

    /**
     * As {@link #afterDone(Runnable)}, on {@code executor}. With a direct executor ({@code
     * Runnable::run}) the action runs on the thread that makes this context done, after this
     * library released its locks and after every descendant is done; it must then be short and
     * must not block. (If other threads cancel the same tree at that moment, the last of them to
     * finish runs it.) The one exception is a deadline on the system clock: the shared timer thread
     * never runs user code, so those actions are handed to an internal pool of their own first,
     * where users' blocked {@link #afterDone(Runnable)} actions cannot hold them up.
     *
     * @throws NullPointerException if {@code action} or {@code executor} is null
     */
    default Registration afterDone(Runnable action, Executor executor) {
        return AfterDone.onForeignContext(this, action, executor);
    }
}
