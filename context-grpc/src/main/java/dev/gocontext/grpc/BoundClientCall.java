package dev.gocontext.grpc;

import dev.gocontext.Context;
import dev.gocontext.Registration;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * A client call bound to a ctx by {@link ClientContextInterceptor}:
 *
 * <ul>
 *   <li>its headers carry the request id when the authority is allowed, and never one otherwise;
 *   <li>from {@code start} until the call closes, the ctx becoming done cancels the call, with the
 *       ctx's cause; what the caller sends after that is dropped, without an exception;
 *   <li>the listener then gets {@link GoContextGrpc#statusOf(Context)}: {@code CANCELLED} or
 *       {@code DEADLINE_EXCEEDED}, the ctx's cause as its cause.
 * </ul>
 *
 * <p>{@code ClientCall} is not thread-safe, and the ctx becomes done on any thread, so the
 * caller's operations pass through a {@link CallGate} and the ctx's cancel runs beside none of
 * them. A call without a ctx that can become done is a {@link RequestIdOnly}.
 */
final class BoundClientCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT>
        implements Runnable {
    private static final Executor DIRECT = Runnable::run;

    private final Context ctx;
    private final @Nullable String requestId;
    private final CallGate gate = new CallGate();

    // Registered by start(), before the delegate starts; stopped when the call closes.
    private volatile @Nullable Registration watch;

    // The status of the cancel the ctx caused, if it did; written before the gate is asked.
    private volatile @Nullable Status canceledWith;

    BoundClientCall(ClientCall<ReqT, RespT> delegate, Context ctx, @Nullable String requestId) {
        super(delegate);
        this.ctx = ctx;
        this.requestId = requestId;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
        putRequestId(headers, requestId);
        gate.enter(); // nothing can have ended the call before the watch exists
        boolean started = false;
        try {
            // a ctx already done asks for the cancel now; it runs right after the start, below
            watch = ctx.afterDone(this, DIRECT);
            super.start(new CtxListener(listener), headers);
            started = true;
        } finally {
            if (!started) {
                stopWatch();
            }
            exit();
        }
    }

    /** The ctx's watch: the ctx is done. */
    @Override
    public void run() {
        canceledWith = GoContextGrpc.statusOf(ctx);
        if (gate.requestEnd()) {
            cancelDelegate();
        }
    }

    private void cancelDelegate() {
        Status status = canceledWith;
        if (status != null) {
            super.cancel(status.getDescription(), status.getCause());
        }
    }

    private void exit() {
        if (gate.exit(false)) {
            cancelDelegate();
        }
    }

    private void stopWatch() {
        Registration w = watch;
        if (w != null) {
            w.stop();
        }
    }

    @Override
    public void sendMessage(ReqT message) {
        if (!gate.enter()) {
            return; // canceled for the ctx: gRPC would throw
        }
        try {
            super.sendMessage(message);
        } finally {
            exit();
        }
    }

    @Override
    public void halfClose() {
        if (!gate.enter()) {
            return;
        }
        try {
            super.halfClose();
        } finally {
            exit();
        }
    }

    @Override
    public void cancel(@Nullable String message, @Nullable Throwable cause) {
        if (!gate.enter()) {
            return; // canceled for the ctx already
        }
        try {
            super.cancel(message, cause);
        } finally {
            exit();
        }
    }

    @Override
    public void setMessageCompression(boolean enabled) {
        if (!gate.enter()) {
            return;
        }
        try {
            super.setMessageCompression(enabled);
        } finally {
            exit();
        }
    }

    @Override
    public boolean isReady() {
        return !gate.ended() && super.isReady();
    }

    @Override
    public String toString() {
        return "BoundClientCall[" + delegate() + ", " + ctx + ", " + gate + "]";
    }

    /** Makes {@code requestId} the only request id of {@code headers}; none if it is null. */
    static void putRequestId(Metadata headers, @Nullable String requestId) {
        headers.discardAll(GoContextGrpc.REQUEST_ID);
        if (requestId != null) {
            headers.put(GoContextGrpc.REQUEST_ID, requestId);
        }
    }

    /**
     * A call whose ctx can never be done (or that has none): only its request id header is
     * handled, with nothing to watch or to gate.
     */
    static final class RequestIdOnly<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {
        private final @Nullable String requestId;

        RequestIdOnly(ClientCall<ReqT, RespT> delegate, @Nullable String requestId) {
            super(delegate);
            this.requestId = requestId;
        }

        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
            putRequestId(headers, requestId);
            super.start(listener, headers);
        }
    }

    /** Stops the watch when the call closes, and reports a cancel for the ctx with the ctx's status. */
    private final class CtxListener extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {
        CtxListener(Listener<RespT> delegate) {
            super(delegate);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            stopWatch();
            Status ours = canceledWith;
            Status.Code code = status.getCode();
            if (ours != null
                    && gate.ended()
                    && (code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED)) {
                status = ours; // gRPC may have turned our cancel into a bare DEADLINE_EXCEEDED
            }
            super.onClose(status, trailers);
        }
    }
}
