package dev.gocontext.grpc;

import dev.gocontext.Context;
import dev.gocontext.Registration;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A client call bound to a ctx by {@link ClientContextInterceptor}:
 *
 * <ul>
 *   <li>its headers carry the request id when the authority is allowed, and never one otherwise;
 *   <li>from {@code start} until the call closes, the ctx becoming done cancels the {@link
 *       io.grpc.Context} the call was created under, with {@link GoContextGrpc#statusOf(Context)}
 *       as the cancellation cause; gRPC then cancels the stream;
 *   <li>the listener gets that status as it is ({@code CANCELLED} or {@code DEADLINE_EXCEEDED}, the
 *       ctx's cause as its cause), not gRPC's wrapping of it.
 * </ul>
 *
 * Without a ctx that can become done ({@code ctx} null), only the headers are handled.
 */
final class BoundClientCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT>
        implements Runnable {
    private static final Executor DIRECT = Runnable::run;

    private final @Nullable Context ctx;
    private final io.grpc.Context.@Nullable CancellableContext scope;
    private final @Nullable String requestId;

    // Registered by start(), before the delegate starts; stopped when the call closes.
    private volatile @Nullable Registration registration;

    // The cancellation this call's ctx caused, if it did; set before the scope is canceled.
    private volatile @Nullable StatusRuntimeException canceledBy;

    BoundClientCall(
            ClientCall<ReqT, RespT> delegate,
            @Nullable Context ctx,
            io.grpc.Context.@Nullable CancellableContext scope,
            @Nullable String requestId) {
        super(delegate);
        this.ctx = ctx;
        this.scope = scope;
        this.requestId = requestId;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
        headers.discardAll(GoContextGrpc.REQUEST_ID);
        if (requestId != null) {
            headers.put(GoContextGrpc.REQUEST_ID, requestId);
        }
        Context bound = ctx;
        if (bound == null) {
            super.start(listener, headers);
            return;
        }
        // before the delegate starts: a ctx already done cancels the scope now, and gRPC closes
        // the call at once with the ctx's status
        Registration watch = bound.afterDone(this, DIRECT);
        registration = watch;
        try {
            super.start(new CtxListener(listener), headers);
        } catch (RuntimeException | Error e) {
            watch.stop();
            throw e;
        }
    }

    /** The ctx's watch: the ctx is done. */
    @Override
    public void run() {
        Context bound = ctx;
        io.grpc.Context.CancellableContext grpcContext = scope;
        if (bound != null && grpcContext != null) {
            StatusRuntimeException cancellation = GoContextGrpc.statusOf(bound).asRuntimeException();
            canceledBy = cancellation;
            grpcContext.cancel(cancellation);
        }
    }

    @Override
    public String toString() {
        return "BoundClientCall[" + delegate() + ", " + ctx + "]";
    }

    /** Stops the watch when the call closes, and unwraps the status of a cancellation by the ctx. */
    private final class CtxListener extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {
        CtxListener(Listener<RespT> delegate) {
            super(delegate);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            Registration watch = registration;
            if (watch != null) {
                watch.stop();
            }
            StatusRuntimeException cancellation = canceledBy;
            if (cancellation != null && status.getCause() == cancellation) {
                status = cancellation.getStatus();
            }
            super.onClose(status, trailers);
        }
    }
}
