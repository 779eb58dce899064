package dev.gocontext.grpc;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.SubscriptionCancelledException;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;

/**
 * One gRPC call driven as a Reactive Streams subscription: the listener of the call and the
 * subscription of its subscriber.
 *
 * <p>Signals:
 *
 * <ul>
 *   <li>{@code onSubscribe}, then the call starts (request sent, half-closed);
 *   <li>server streaming: each response is requested from gRPC as the subscriber requests it, so
 *       gRPC's flow control is the subscriber's demand and nothing is buffered here; each is
 *       delivered with {@code onNext}; {@code OK} is {@code onComplete};
 *   <li>unary: the response is delivered at {@code OK} (with the trailers, as gRPC's own stubs do),
 *       once requested, then {@code onComplete}; no response or a second one is {@code INTERNAL};
 *   <li>any other status: {@code onError} with the ctx's error if the status is the ctx's doing,
 *       else a {@code StatusRuntimeException} with the trailers;
 *   <li>{@code cancel}: the call is cancelled, with the ctx's cause when the ctx is done (the
 *       downstream {@code deadlineOf} cancels for it), else a {@link SubscriptionCancelledException};
 *       responses that arrive later are discarded.
 * </ul>
 *
 * <p>Threads: gRPC delivers the listener's callbacks one at a time; {@code request} and {@code
 * cancel} come from any thread, serially. {@code ClientCall} allows {@code request} from any
 * thread, but not a {@code cancel} beside {@code start}/{@code sendMessage}/{@code halfClose}: those
 * run in {@link #start} before {@link #STARTED} is set, and a cancel that comes earlier is left
 * for {@link #start} to perform.
 */
final class CallSubscription<ReqT, RespT> extends ClientCall.Listener<RespT> implements Subscription, Scannable {
    /** The call is started, its request sent and half-closed: cancel and request go straight to it. */
    private static final int STARTED = 1;
    /** The subscriber cancelled. */
    private static final int CANCELLED = 2;
    /** The subscriber got (or is getting) its terminal signal. */
    private static final int TERMINATED = 4;

    /** Unary: the subscriber requested the response. */
    private static final int REQUESTED = 1;
    /** Unary: the call ended with OK and its one response. */
    private static final int RESPONSE_READY = 2;
    /** Unary: the response was taken, to emit or to discard. */
    private static final int TAKEN = 4;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<CallSubscription> STATE =
            AtomicIntegerFieldUpdater.newUpdater(CallSubscription.class, "state");

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<CallSubscription> EMISSION =
            AtomicIntegerFieldUpdater.newUpdater(CallSubscription.class, "emission");

    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<CallSubscription> PENDING =
            AtomicLongFieldUpdater.newUpdater(CallSubscription.class, "pending");

    final CoreSubscriber<? super RespT> actual;
    final ClientCall<ReqT, RespT> call;
    final Context ctx;
    final boolean unary;
    /** Whether the call's deadline is the ctx's (it was earlier than the call options' own). */
    final boolean deadlineIsCtxs;

    // STARTED | CANCELLED | TERMINATED; bits are only ever added
    private volatile int state;

    // streaming: demand requested before STARTED, forwarded by start()
    @SuppressWarnings("UnusedVariable") // read and written through PENDING
    private volatile long pending;

    // streaming: a request of Integer.MAX_VALUE or more was forwarded; gRPC counts demand in an int
    private volatile boolean unbounded;

    // unary: REQUESTED | RESPONSE_READY | TAKEN; whoever sets the second of the first two emits,
    // and whoever sets TAKEN owns the response
    private volatile int emission;

    // unary: the response; the listener's alone until RESPONSE_READY, then TAKEN's
    private @Nullable RespT response;

    // unary: the call broke the unary contract (a second response); listener thread only
    private @Nullable Status violation;

    private CallSubscription(
            CoreSubscriber<? super RespT> actual,
            ClientCall<ReqT, RespT> call,
            Context ctx,
            boolean unary,
            boolean deadlineIsCtxs) {
        this.actual = actual;
        this.call = call;
        this.ctx = ctx;
        this.unary = unary;
        this.deadlineIsCtxs = deadlineIsCtxs;
    }

    /** Makes the call of one subscription. */
    static <ReqT, RespT> void subscribe(
            CallSpec<ReqT, RespT> spec, CoreSubscriber<? super RespT> actual, boolean unary) {
        Object inView = actual.currentContext().getOrDefault(GoContext.CONTEXT_KEY, null);
        Context ctx = inView instanceof Context c ? c : Context.background();
        CallOptions options = ClientContextInterceptor.withDeadlineOf(spec.options, ctx);
        if (inView instanceof Context) {
            // for the channel's interceptors; without it they fall back to the current server call's ctx
            options = options.withOption(GoContextGrpc.CTX, ctx);
        }
        ClientCall<ReqT, RespT> call;
        try {
            call = spec.channel.newCall(spec.method, options);
        } catch (RuntimeException e) {
            Operators.error(actual, e);
            return;
        }
        CallSubscription<ReqT, RespT> subscription = new CallSubscription<>(
                actual, call, ctx, unary, ClientContextInterceptor.deadlineIsCtxs(spec.options, options));
        actual.onSubscribe(subscription);
        subscription.start(spec.request);
    }

    private void start(ReqT request) {
        try {
            call.start(this, new Metadata());
            call.sendMessage(request);
            call.halfClose();
            if (unary) {
                call.request(2); // one response, and room to notice a second one
            }
        } catch (RuntimeException | Error e) {
            Exceptions.throwIfJvmFatal(e);
            call.cancel("the call could not start", e);
            if (addState(STARTED | TERMINATED) == 0) {
                actual.onError(e);
            }
            return;
        }
        int previous = addState(STARTED);
        if ((previous & CANCELLED) != 0) {
            cancelCall();
        } else if (!unary) {
            forward(PENDING.getAndSet(this, 0));
        }
    }

    /** Adds bits to the state; returns the state before. */
    private int addState(int bits) {
        for (; ; ) {
            int s = state;
            if ((s & bits) == bits || STATE.compareAndSet(this, s, s | bits)) {
                return s;
            }
        }
    }

    @Override
    public void request(long n) {
        if (!Operators.validate(n)) {
            return;
        }
        if (unary) {
            if ((addEmission(REQUESTED) & RESPONSE_READY) != 0) {
                takeResponse(true);
            }
            return;
        }
        if ((state & STARTED) != 0) {
            forward(n);
            return;
        }
        Operators.addCap(PENDING, this, n);
        if ((state & STARTED) != 0) {
            forward(PENDING.getAndSet(this, 0)); // start() may have flushed before this add
        }
    }

    private void forward(long n) {
        if (n <= 0 || unbounded || (state & (CANCELLED | TERMINATED)) != 0) {
            return;
        }
        if (n >= Integer.MAX_VALUE) {
            unbounded = true;
        }
        call.request((int) Math.min(n, Integer.MAX_VALUE));
    }

    @Override
    public void cancel() {
        int previous = addState(CANCELLED);
        if ((previous & CANCELLED) != 0) {
            return;
        }
        if ((previous & (STARTED | TERMINATED)) == STARTED) {
            cancelCall();
        }
        if (unary && (emission & RESPONSE_READY) != 0) {
            takeResponse(false); // ready, never requested
        }
    }

    private void cancelCall() {
        ContextException err = ctx.err();
        if (err != null) {
            call.cancel(err.getMessage(), ctx.cause());
        } else {
            call.cancel("cancelled by the subscriber", new SubscriptionCancelledException());
        }
    }

    @Override
    public void onMessage(RespT message) {
        if ((state & (CANCELLED | TERMINATED)) != 0) {
            Operators.onDiscard(message, actual.currentContext());
            return;
        }
        if (!unary) {
            actual.onNext(message);
            return;
        }
        if (response == null && violation == null) {
            response = message;
            return;
        }
        Operators.onDiscard(message, actual.currentContext());
        if (violation == null) {
            violation = Status.INTERNAL.withDescription("more than one response to the unary call " + call);
            call.cancel("more than one response to a unary call", null);
        }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
        if ((addState(TERMINATED) & (CANCELLED | TERMINATED)) != 0) {
            discardUnready();
            return;
        }
        Status broken = violation;
        if (broken != null) {
            discardUnready();
            actual.onError(broken.asRuntimeException());
        } else if (!status.isOk()) {
            discardUnready();
            actual.onError(errorOf(status, trailers));
        } else if (!unary) {
            actual.onComplete();
        } else if (response == null) {
            actual.onError(Status.INTERNAL
                    .withDescription("no response to the unary call " + call)
                    .asRuntimeException(trailers));
        } else if ((addEmission(RESPONSE_READY) & REQUESTED) != 0) {
            takeResponse(true);
        }
    }

    private int addEmission(int bit) {
        for (; ; ) {
            int e = emission;
            if (EMISSION.compareAndSet(this, e, e | bit)) {
                return e;
            }
        }
    }

    /** Emits the ready response (or discards it after a cancel); the first caller only. */
    private void takeResponse(boolean emit) {
        if ((addEmission(TAKEN) & TAKEN) != 0) {
            return;
        }
        RespT value = response;
        response = null;
        if (value == null) {
            return;
        }
        if (!emit || (state & CANCELLED) != 0) {
            Operators.onDiscard(value, actual.currentContext());
            return;
        }
        actual.onNext(value);
        actual.onComplete();
    }

    /** Discards a response the call will not deliver (listener thread, before RESPONSE_READY). */
    private void discardUnready() {
        RespT value = response;
        response = null;
        if (value != null) {
            Operators.onDiscard(value, actual.currentContext());
        }
    }

    /**
     * The error for a call that ended with {@code status}: the ctx's error if the call ended
     * because of the ctx (cancelled or past the deadline, and the ctx is done, or it was the ctx's
     * deadline that passed), else the status with its trailers.
     */
    private Throwable errorOf(Status status, Metadata trailers) {
        Status.Code code = status.getCode();
        if (code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED) {
            ContextException err = ctx.err();
            if (err != null) {
                return err;
            }
            if (code == Status.Code.DEADLINE_EXCEEDED && deadlineIsCtxs && ctxDeadlinePassed()) {
                return Context.DEADLINE_EXCEEDED; // gRPC's timer, for the ctx's deadline, fired first
            }
        }
        return status.asRuntimeException(trailers);
    }

    private boolean ctxDeadlinePassed() {
        Duration left = ctx.remaining().orElse(Duration.ZERO);
        return left.isNegative() || left.isZero();
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.ACTUAL) return actual;
        if (key == Attr.CANCELLED) return (state & CANCELLED) != 0;
        if (key == Attr.TERMINATED) return (state & TERMINATED) != 0;
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.ASYNC;
        return null;
    }

    @Override
    public String toString() {
        return "CallSubscription[" + call + ", " + ctx + "]";
    }
}
