package dev.gocontext.grpc;

import dev.gocontext.ContextException;
import dev.gocontext.TimeSource;
import io.grpc.Deadline;
import io.grpc.ServerCall;

/**
 * The listener of a bound server call: runs every callback of the handler with the call's ctx in
 * the current {@link io.grpc.Context}, cancels the ctx when the call ends (with a {@link
 * CallCancelledException} cause when the client cancelled it, as soon as gRPC's context of the
 * call says so), and turns a ctx error thrown by the handler into the mapped status instead of
 * gRPC's {@code UNKNOWN}.
 *
 * <p>gRPC delivers the listener's callbacks one at a time; {@link #cancelled} comes from another
 * thread, and only cancels the ctx, which is thread-safe and idempotent.
 */
final class BoundServerListener<ReqT> extends ServerCall.Listener<ReqT>
        implements io.grpc.Context.CancellationListener {
    private final ServerCall.Listener<ReqT> delegate;
    private final io.grpc.Context scope;
    private final BoundServerCall<ReqT, ?> call;
    private final io.grpc.Context callContext;

    BoundServerListener(
            ServerCall.Listener<ReqT> delegate,
            io.grpc.Context scope,
            BoundServerCall<ReqT, ?> call,
            io.grpc.Context callContext) {
        this.delegate = delegate;
        this.scope = scope;
        this.call = call;
        this.callContext = callContext;
    }

    @Override
    public void onMessage(ReqT message) {
        io.grpc.Context previous = scope.attach();
        try {
            delegate.onMessage(message);
        } catch (ContextException e) {
            call.closeForCtx(call.statusFor(e));
        } finally {
            scope.detach(previous);
        }
    }

    @Override
    public void onHalfClose() {
        io.grpc.Context previous = scope.attach();
        try {
            delegate.onHalfClose();
        } catch (ContextException e) {
            call.closeForCtx(call.statusFor(e));
        } finally {
            scope.detach(previous);
        }
    }

    @Override
    public void onReady() {
        io.grpc.Context previous = scope.attach();
        try {
            delegate.onReady();
        } catch (ContextException e) {
            call.closeForCtx(call.statusFor(e));
        } finally {
            scope.detach(previous);
        }
    }

    /**
     * gRPC canceled the call's {@link io.grpc.Context}: at once when the client cancels, on a thread
     * of its own, while {@link #onCancel()} waits for the handler's current callback to return. A
     * handler blocked on its ctx learns of the cancel from here. (At the call's normal end gRPC
     * cancels it too, after {@link #onComplete()} has canceled the ctx: then this changes nothing.)
     */
    @Override
    public void cancelled(io.grpc.Context context) {
        clientGone();
    }

    private void clientGone() {
        // done already: the call's normal end (every call passes here), or the cancel reported twice
        if (call.ctx.err() == null && !deadlinePassed()) {
            call.ctx.cancel(new CallCancelledException());
        }
    }

    @Override
    public void onCancel() {
        call.end();
        clientGone();
        io.grpc.Context previous = scope.attach();
        try {
            delegate.onCancel();
        } finally {
            scope.detach(previous);
        }
    }

    @Override
    public void onComplete() {
        call.end();
        call.ctx.cancel();
        io.grpc.Context previous = scope.attach();
        try {
            delegate.onComplete();
        } finally {
            scope.detach(previous);
        }
    }

    /**
     * Whether gRPC cancelled the call because its deadline passed. The ctx's deadline is that
     * deadline or an earlier one, so on the system clock the ctx is done with {@code
     * DEADLINE_EXCEEDED} at the same instant, by its own timer: canceling it here would make it
     * {@code CANCELED}.
     */
    private boolean deadlinePassed() {
        Deadline deadline = callContext.getDeadline();
        return deadline != null && deadline.isExpired() && call.ctx.timeSource() == TimeSource.system();
    }

    @Override
    public String toString() {
        return "BoundServerListener[" + delegate + "]";
    }
}
