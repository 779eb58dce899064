package dev.gocontext.grpc;

import dev.gocontext.CancellableContext;
import dev.gocontext.ContextException;
import dev.gocontext.Registration;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The server call as its handler sees it, bound to the call's ctx:
 *
 * <ul>
 *   <li>when the ctx becomes done before the call ended (its deadline, the maximum, a parent's
 *       cancel), the call is closed with {@link GoContextGrpc#statusOf(dev.gocontext.Context)};
 *       what the handler writes after that is dropped, and {@link #isCancelled()} is true;
 *   <li>a close with a status gRPC made {@code UNKNOWN} for a {@link ContextException} is sent as
 *       the mapped status, with the ctx's cause when it is the ctx's own error;
 *   <li>the response headers echo the request id.
 * </ul>
 *
 * <p>The methods that must not run beside that close (headers, messages, close, compression) pass
 * through a {@link CallGate}; {@code request} and {@code isReady} are thread-safe in gRPC.
 */
final class BoundServerCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT>
        implements Runnable {
    private static final Executor DIRECT = Runnable::run;

    final CancellableContext ctx;
    private final String requestId;
    private final CallGate gate = new CallGate();

    // Whether the ctx closed the call (then isCancelled() is true). Written before the close.
    private volatile boolean closedForCtx;

    // The call ended (onComplete / onCancel): the ctx's end is then not the server's to report.
    private volatile boolean ended;

    // The close the ctx asked for; written before the gate is asked, read by whoever runs it.
    private volatile @Nullable Status ctxStatus;

    // The ctx's watch, registered once the handler started; stopped when the call ends.
    private volatile @Nullable Registration watch;

    BoundServerCall(ServerCall<ReqT, RespT> delegate, CancellableContext ctx, String requestId) {
        super(delegate);
        this.ctx = ctx;
        this.requestId = requestId;
    }

    /** Closes the call when the ctx becomes done first (at once if it already is). */
    void watchCtx() {
        watch = ctx.afterDone(this, DIRECT);
    }

    /** The call ended (completed or cancelled): the watch has nothing left to close. */
    void end() {
        ended = true;
        Registration w = watch;
        if (w != null) {
            w.stop();
        }
    }

    /** The ctx's watch: the ctx is done. */
    @Override
    public void run() {
        if (!ended) {
            closeForCtx(GoContextGrpc.statusOf(ctx));
        }
    }

    /** Closes the call with {@code status}, now or when the operation in flight ends, unless it is closed. */
    void closeForCtx(Status status) {
        ctxStatus = status;
        if (gate.requestEnd()) {
            closeDelegate();
        }
    }

    private void closeDelegate() {
        Status status = ctxStatus;
        closedForCtx = true;
        super.close(status != null ? status : GoContextGrpc.statusOf(ctx), new Metadata());
    }

    private void exit(boolean closedByIt) {
        if (gate.exit(closedByIt)) {
            closeDelegate();
        }
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (!gate.enter()) {
            return;
        }
        try {
            if (!headers.containsKey(GoContextGrpc.REQUEST_ID)) {
                headers.put(GoContextGrpc.REQUEST_ID, requestId);
            }
            super.sendHeaders(headers);
        } finally {
            exit(false);
        }
    }

    @Override
    public void sendMessage(RespT message) {
        if (!gate.enter()) {
            return;
        }
        try {
            super.sendMessage(message);
        } finally {
            exit(false);
        }
    }

    @Override
    public void close(Status status, Metadata trailers) {
        if (!gate.enter()) {
            return;
        }
        boolean closed = false;
        try {
            super.close(mapped(status), trailers);
            closed = true;
        } finally {
            exit(closed);
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
            exit(false);
        }
    }

    @Override
    public void setCompression(String compressor) {
        if (!gate.enter()) {
            return;
        }
        try {
            super.setCompression(compressor);
        } finally {
            exit(false);
        }
    }

    @Override
    public boolean isReady() {
        return !gate.ended() && super.isReady();
    }

    @Override
    public boolean isCancelled() {
        return closedForCtx || super.isCancelled();
    }

    /**
     * A status that gRPC made {@code UNKNOWN} for a ctx error ({@code onError(ctx.err())}) becomes
     * DEADLINE_EXCEEDED / CANCELLED, with the ctx's cause if it is this ctx's error. A status the
     * handler chose is kept.
     */
    private Status mapped(Status status) {
        Throwable cause = status.getCause();
        if (status.getCode() != Status.Code.UNKNOWN || cause == null) {
            return status;
        }
        ContextException err = contextErrorIn(cause);
        return err == null ? status : statusFor(err);
    }

    /** The status of a call ended by {@code err}: with the ctx's cause if it is this ctx's error. */
    Status statusFor(ContextException err) {
        return err == ctx.err() ? GoContextGrpc.statusOf(ctx) : GoContextGrpc.statusOf(err);
    }

    static @Nullable ContextException contextErrorIn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ContextException err) {
                return err;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "BoundServerCall[" + delegate() + ", " + ctx + ", " + gate + "]";
    }
}
