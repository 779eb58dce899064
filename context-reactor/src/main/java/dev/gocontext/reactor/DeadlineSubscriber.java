package dev.gocontext.reactor;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.Done;
import dev.gocontext.Registration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The subscriber of {@link FluxDeadlineOf} and {@link MonoDeadlineOf}: it relays the source to the
 * downstream until the bound ctx becomes done (or its deadline passes on Reactor's timer), then
 * cancels the source and signals {@code onError(ctx.err())} once.
 *
 * <h2>Two modes</h2>
 *
 * <ul>
 *   <li><b>SYNC-fused</b>, when the source offers synchronous fusion ({@code Flux.range}, {@code
 *       fromIterable}, {@code just}, and {@code map}/{@code filter} over them): this subscriber
 *       drains the source with {@code poll()} in a queue-drain loop; the ctx's done signal is one
 *       more reason to enter the loop. Per element the loop costs two volatile reads beyond what the
 *       source costs, so the pipeline keeps Reactor's fast path. Fusion towards the downstream is
 *       refused (this class is no {@code QueueSubscription}): the downstream always gets plain
 *       signals, on the thread that requests or on the thread that ends the ctx.
 *   <li><b>Not fused</b>: the source's signals and the done signal take turns through a half
 *       serializer (one compare-and-set and one decrement per element), so that {@code onError} is
 *       never concurrent with {@code onNext}.
 * </ul>
 *
 * <h2>Opening</h2>
 *
 * The done registration and the Reactor timer are set up in {@code onSubscribe}, before the
 * downstream receives its subscription, so that a ctx that becomes done at any point of the
 * subscription is seen. Until the downstream's {@code onSubscribe} has returned, {@code wip} is held
 * (it starts at 1), so no signal can overtake {@code onSubscribe}; in the non-fused mode the
 * downstream's requests are held back meanwhile and forwarded right after.
 *
 * <h2>Requests (non-fused)</h2>
 *
 * Requests reach the source one at a time (Reactive Streams rule 2.7), also while the held-back
 * demand is being forwarded: a request adds to {@code requested}, and whoever holds {@code
 * forwarding} passes all of it on, looping while more arrived meanwhile.
 *
 * <h2>Release</h2>
 *
 * When the subscription ends for any reason (complete, error, done signal, downstream cancel), the
 * done registration is stopped (an O(1) unlink on core's contexts) and the timer disposed, exactly
 * once, so a long-lived ctx keeps no reference to this subscriber.
 */
final class DeadlineSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable, Runnable {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<DeadlineSubscriber> WIP =
            AtomicIntegerFieldUpdater.newUpdater(DeadlineSubscriber.class, "wip");

    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<DeadlineSubscriber> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(DeadlineSubscriber.class, "requested");

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<DeadlineSubscriber> FORWARDING =
            AtomicIntegerFieldUpdater.newUpdater(DeadlineSubscriber.class, "forwarding");

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<DeadlineSubscriber, Throwable> STOP =
            AtomicReferenceFieldUpdater.newUpdater(DeadlineSubscriber.class, Throwable.class, "stop");

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<DeadlineSubscriber> RELEASED =
            AtomicIntegerFieldUpdater.newUpdater(DeadlineSubscriber.class, "released");

    /** Where an error the source reports after the done signal ended the subscription is shown. */
    private static final Logger LATE_ERRORS = Loggers.getLogger(DeadlineSubscriber.class);

    final CoreSubscriber<? super T> actual;
    final Context ctx;

    /** Delay of the Reactor timer to start in onSubscribe, or {@link TimerPolicy#NONE}. */
    private final long timerNanos;

    /**
     * Bound to a {@link reactor.core.publisher.Mono}: its value is its outcome, so the value is
     * emitted with {@code onComplete} right after it, and a ctx that becomes done afterwards (for
     * instance because the value's consumer ends the request) adds no error.
     */
    private final boolean mono;

    // Written once in onSubscribe, before the downstream can call request/cancel and before any
    // done signal can be delivered (both happen after the volatile write that releases wip).
    @SuppressWarnings("NullAway.Init")
    private Subscription s;

    // Non-null in the SYNC-fused mode; same publication as `s`.
    private Fuseable.@Nullable QueueSubscription<T> qs;

    // Emission ownership. Starts at 1 (held by onSubscribe). Non-fused: 0 while nobody emits;
    // the source's signals enter with CAS 0->1, the done signal with getAndIncrement; whoever sees a
    // non-zero count after its own decrement delivers the done signal, and a terminated
    // subscription never releases it. Fused: the usual queue-drain missed counter.
    private volatile int wip = 1;

    // Fused: the downstream's outstanding demand. Non-fused: demand not yet passed to the source.
    private volatile long requested;

    // Non-fused: who passes `requested` on to the source; the usual missed counter. Starts at 1
    // (held by onSubscribe until the downstream's onSubscribe has returned), so only one thread at a
    // time calls s.request.
    private volatile int forwarding = 1;

    // The first of: ctx.err() when the ctx became done, DEADLINE_EXCEEDED from Reactor's timer.
    // Set once; then the source is cancelled and the error is delivered by the wip owner.
    private volatile @Nullable Throwable stop;

    // The downstream cancelled. Set once; from then on nothing the source sends is forwarded: a
    // value is discarded, an end or an error ignored (ignoreLate).
    private volatile boolean cancelled;

    /**
     * A test hook, null outside tests: run by a done signal that has just claimed the subscription's
     * end, before anything else, so that tests can let the source end at that very moment.
     */
    static @Nullable Runnable stopping;

    /**
     * A test hook, null outside tests: run by the owner of wip that delivers a done signal without
     * fusion, just before it cancels the source, so that tests can let the source end at that moment.
     */
    static @Nullable Runnable cancelling;

    // 0 until release(): then the registration and the timer are gone. Set once.
    private volatile int released;

    // Written before the downstream's onSubscribe; read by release() on any thread.
    private volatile @Nullable Registration registration;
    private volatile @Nullable Disposable timer;

    // Guarded by wip ownership: the downstream received a terminal signal.
    private boolean terminated;

    // Non-fused: the source sent its terminal signal. Written once, by the source's thread, before
    // it tries to take wip; read there and by the wip owner that delivers a done signal, which does
    // not cancel a source that has ended (volatile for that reader).
    private volatile boolean sourceDone;

    // Fused, drain loop only: elements emitted so far.
    private long produced;

    private DeadlineSubscriber(CoreSubscriber<? super T> actual, Context ctx, long timerNanos, boolean mono) {
        this.actual = actual;
        this.ctx = ctx;
        this.timerNanos = timerNanos;
        this.mono = mono;
    }

    /**
     * Applies the rules of {@link GoContext#deadlineOf} at subscription time.
     *
     * @param mono whether the source is a {@link reactor.core.publisher.Mono}
     * @return what to subscribe to the source: {@code actual} itself when there is nothing to bind
     *     (no ctx, or a ctx that can never be done), a new bound subscriber, or {@code null} when
     *     the ctx is done already (then {@code actual} has received {@code onSubscribe} and, unless
     *     it cancelled there, {@code onError}; the source must not be subscribed)
     */
    static <T> @Nullable CoreSubscriber<? super T> bind(CoreSubscriber<? super T> actual, boolean mono) {
        Context ctx = GoContext.find(actual.currentContext());
        if (ctx == null) {
            return actual;
        }
        ContextException err = ctx.err();
        if (err != null) {
            EarlyError.signal(actual, err);
            return null;
        }
        Optional<Instant> deadline = ctx.deadline();
        if (deadline.isEmpty() && ctx.done() == Done.never()) {
            return actual;
        }
        long timerNanos = TimerPolicy.timerNanos(ctx, deadline);
        if (timerNanos == TimerPolicy.PASSED) {
            EarlyError.signal(actual, Context.DEADLINE_EXCEEDED);
            return null;
        }
        return new DeadlineSubscriber<>(actual, ctx, timerNanos, mono);
    }

    // ------------------------------------------------------------------ from the source

    @Override
    public void onSubscribe(Subscription s) {
        if (!Operators.validate(this.s, s)) {
            return;
        }
        this.s = s;
        if (s instanceof Fuseable.QueueSubscription) {
            @SuppressWarnings("unchecked")
            Fuseable.QueueSubscription<T> q = (Fuseable.QueueSubscription<T>) s;
            if (q.requestFusion(Fuseable.SYNC) == Fuseable.SYNC) {
                qs = q;
            }
        }
        BridgeStats.bound();
        registration = ctx.afterDone(this, Runnable::run); // may call run() at once: wip is held
        if (timerNanos > 0) {
            try {
                timer = Schedulers.parallel().schedule(this::deadlinePassed, timerNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                stop(Operators.onRejectedExecution(e, actual.currentContext()));
            }
        }
        actual.onSubscribe(this);
        if (qs != null) {
            drainLoop(1);
            return;
        }
        if (WIP.decrementAndGet(this) != 0) {
            deliverStop(); // keeps `forwarding`: nothing more is requested from the cancelled source
            return;
        }
        forwardRequests(1);
    }

    @Override
    public void onNext(T t) {
        if (qs != null) {
            // SYNC fusion: the source never calls onNext; nothing else may
            Operators.onNextDropped(t, actual.currentContext());
            return;
        }
        if (sourceDone) {
            Operators.onNextDropped(t, actual.currentContext());
            return;
        }
        if (wip == 0 && !cancelled && WIP.compareAndSet(this, 0, 1)) {
            if (mono) {
                emitMonoValue(t); // keeps wip: nothing follows
                return;
            }
            actual.onNext(t);
            if (WIP.decrementAndGet(this) != 0) {
                deliverStop();
            }
            return;
        }
        // the done signal owns the downstream, or the downstream cancelled: this element lost the
        // race with the cancellation
        Operators.onDiscard(t, actual.currentContext());
    }

    @Override
    public void onError(Throwable t) {
        if (sourceDone) {
            Operators.onErrorDropped(t, actual.currentContext());
            return;
        }
        sourceDone = true;
        if (cancelled) {
            ignoreLate(t, null);
            return;
        }
        if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
            terminated = true;
            release();
            Throwable ended = endedBy();
            if (ended != null) {
                // The ctx ended first and the source failed of it before the done signal got here
                // (a client whose connection the ctx closed, say): the ctx's error is the outcome.
                BridgeStats.disposedBy(ended);
                actual.onError(ended);
            } else {
                actual.onError(t);
            }
            return;
        }
        Throwable stoppedWith = stop;
        if (stoppedWith == null) {
            Operators.onErrorDropped(t, actual.currentContext());
            return;
        }
        // The done signal ended this subscription already and cancelled the source; the downstream
        // has its outcome, so nothing is lost.
        ignoreLate(t, stoppedWith);
    }

    /**
     * An error the source reports after the subscription ended (the done signal stopped it, or the
     * downstream cancelled): nobody asked for it. It is not forwarded (a downstream that cancelled
     * may still act on a signal: Spring's WebFlux, whose exchange the server cancelled when the
     * client went away, reports an error reaching it as an ERROR), and not dropped to {@code
     * onErrorDropped} (which logs at ERROR): an intentional cancellation is no error. What comes is
     * typically the ctx's own error, from a step that started as the cancel travelled up and found
     * the ctx ended (the request scope ends the request ctx on the server's cancel), possibly wrapped
     * by a client on the way; a consequence of the cancel (Spring's connector refuses a body it
     * released on the cancel: "released already due to cancellation"); or a failure that lost the
     * race with it. Anything but the ctx's error is shown at DEBUG.
     */
    private void ignoreLate(Throwable t, @Nullable Throwable stoppedWith) {
        if (!causedBy(t, stoppedWith) && LATE_ERRORS.isDebugEnabled()) {
            LATE_ERRORS.debug(this + ": the source failed after its subscription ended; ignored", t);
        }
    }

    /** Whether {@code t} is, or is caused by, {@code stoppedWith} or the ctx's error. */
    private boolean causedBy(Throwable t, @Nullable Throwable stoppedWith) {
        ContextException err = ctx.err();
        return Causes.any(t, cause -> cause == stoppedWith || cause == err);
    }

    @Override
    public void onComplete() {
        if (sourceDone) {
            return;
        }
        sourceDone = true;
        if (cancelled) {
            return; // the downstream cancelled: it asked for no end
        }
        if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
            terminated = true;
            release();
            actual.onComplete();
        }
    }

    // ------------------------------------------------------------------ from the downstream

    @Override
    public void request(long n) {
        if (qs != null) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
            return;
        }
        if (n <= 0) {
            return; // Reactor's rule for CoreSubscribers: ignored, as Operators.validate does
        }
        Operators.addCap(REQUESTED, this, n);
        if (FORWARDING.getAndIncrement(this) == 0) {
            forwardRequests(1);
        }
    }

    /** Non-fused: passes the demand on to the source; the caller owns {@code missed} units. */
    private void forwardRequests(int missed) {
        do {
            long r = REQUESTED.getAndSet(this, 0);
            if (r != 0) {
                s.request(r);
            }
            missed = FORWARDING.addAndGet(this, -missed);
        } while (missed != 0);
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        s.cancel();
        Fuseable.QueueSubscription<T> q = qs;
        if (q != null && WIP.getAndIncrement(this) == 0) {
            q.clear();
        }
        release();
    }

    // ------------------------------------------------------------------ from the ctx and the timer

    /** The ctx became done (a core after-done action, run on the thread that made it done). */
    @Override
    public void run() {
        Delivery.onDone(ctx, this::ctxDone);
    }

    private void ctxDone() {
        ContextException err = ctx.err();
        stop(err != null ? err : Context.CANCELED);
    }

    /** Reactor's timer: the deadline passed. */
    private void deadlinePassed() {
        stop(Context.DEADLINE_EXCEEDED);
    }

    /** Why the subscription must end though nothing was delivered yet: a done signal, or null. */
    private @Nullable Throwable endedBy() {
        Throwable stoppedWith = stop;
        return stoppedWith != null ? stoppedWith : ctx.err();
    }

    /**
     * The subscription must end with {@code error}: cancel the source, then deliver once. Not fused,
     * the source is cancelled only by the owner of wip (here, or a source signal on its way out,
     * or the end of onSubscribe): a source that has ended keeps wip for good, so a done signal that
     * races with the end of the source never cancels a source that has ended. That matters: Reactor
     * Netty disposes the exchange it is told to cancel, and a pooled connection given back at the
     * end of one call and already taken by the next would be closed under that next call.
     */
    private void stop(Throwable error) {
        if (cancelled || !STOP.compareAndSet(this, null, error)) {
            return;
        }
        Runnable hook = stopping;
        if (hook != null) {
            hook.run();
        }
        if (qs != null) {
            s.cancel(); // a synchronous source we poll ourselves: cancelling it ends nothing of anyone else's
            if (WIP.getAndIncrement(this) == 0) {
                drainLoop(1);
            }
            return;
        }
        if (WIP.getAndIncrement(this) == 0) {
            deliverStop();
        }
    }

    /**
     * Called by the wip owner, which keeps wip for good: nothing is emitted after this. Not fused, it
     * cancels the source, unless the source's terminal signal arrived while this owner held wip
     * (that signal then found wip taken and left the outcome to the done signal). The check and the
     * cancel are not atomic: a source may still end between them, as with any cancel, but a source
     * that has visibly ended is never told to cancel.
     */
    private void deliverStop() {
        Fuseable.QueueSubscription<T> q = qs;
        if (q != null) {
            q.clear();
        }
        Throwable error = stop;
        if (terminated || cancelled || error == null) {
            return;
        }
        terminated = true;
        if (q == null) {
            Runnable hook = cancelling;
            if (hook != null) {
                hook.run();
            }
            if (!sourceDone) {
                s.cancel(); // a source that ended in the meantime is left alone, as above
            }
        }
        BridgeStats.disposedBy(error);
        release();
        actual.onError(error);
    }

    // ------------------------------------------------------------------ SYNC-fused drain

    private void drain() {
        if (WIP.getAndIncrement(this) == 0) {
            drainLoop(1);
        }
    }

    /** The queue-drain loop; the caller owns {@code missed} units of wip. */
    private void drainLoop(int missed) {
        Fuseable.QueueSubscription<T> q = qs;
        if (q == null) {
            throw new IllegalStateException("drainLoop in the non-fused mode");
        }
        CoreSubscriber<? super T> a = actual;
        long e = produced;
        while (true) {
            long r = requested;
            while (e != r) {
                if (ended(q)) {
                    return;
                }
                T v;
                try {
                    v = q.poll();
                } catch (Throwable ex) {
                    failFromPoll(ex);
                    return;
                }
                if (v == null) {
                    completeFused();
                    return;
                }
                if (mono) {
                    emitMonoValue(v); // keeps wip: nothing follows
                    return;
                }
                a.onNext(v);
                e++;
            }
            if (ended(q)) {
                return;
            }
            boolean empty;
            try {
                empty = q.isEmpty();
            } catch (Throwable ex) {
                failFromPoll(ex);
                return;
            }
            if (empty) {
                completeFused();
                return;
            }
            int w = wip;
            if (missed == w) {
                produced = e;
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            } else {
                missed = w;
            }
        }
    }

    /**
     * In the drain loop: whether the downstream cancelled or a done signal arrived, in which case
     * the loop must end; a done signal is delivered here. Two volatile reads when neither happened.
     */
    private boolean ended(Fuseable.QueueSubscription<T> q) {
        if (cancelled) {
            q.clear();
            return true;
        }
        if (stop != null) {
            deliverStop();
            return true;
        }
        return false;
    }

    /**
     * The wip owner emits a Mono's value and completes: the registration goes first, so the ctx
     * becoming done while the downstream handles the value changes nothing.
     */
    private void emitMonoValue(T value) {
        terminated = true;
        release();
        actual.onNext(value);
        actual.onComplete();
    }

    private void completeFused() {
        terminated = true;
        release();
        actual.onComplete();
    }

    private void failFromPoll(Throwable ex) {
        Throwable error = Operators.onOperatorError(s, ex, actual.currentContext());
        terminated = true;
        release();
        actual.onError(error);
    }

    // ------------------------------------------------------------------ release

    /** Unregisters from the ctx and disposes the timer, exactly once. */
    private void release() {
        if (released != 0 || !RELEASED.compareAndSet(this, 0, 1)) {
            return;
        }
        Registration reg = registration;
        if (reg != null) {
            reg.stop();
        }
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
        BridgeStats.ended();
    }

    // ------------------------------------------------------------------ Scannable

    @Override
    public reactor.util.context.Context currentContext() {
        return actual.currentContext();
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) return s;
        if (key == Attr.ACTUAL) return actual;
        if (key == Attr.CANCELLED) return cancelled;
        if (key == Attr.TERMINATED) return terminated;
        if (key == Attr.ERROR) return stop;
        if (key == Attr.REQUESTED_FROM_DOWNSTREAM) return qs != null ? requested : null;
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.SYNC;
        if (key == Attr.RUN_ON) return timerNanos > 0 ? Schedulers.parallel() : null;
        return null;
    }

    @Override
    public String toString() {
        return "deadlineOf(" + ctx + ")";
    }
}
