package dev.gocontext.grpc;

import dev.gocontext.CancellableContext;
import dev.gocontext.ContextException;
import dev.gocontext.Registration;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The server call as its handler sees it, bound to the call's ctx:
 *
 * <ul>
 *   <li>when the ctx becomes done before the call ended (its deadline, the maximum, a parent's
 *       cancel), the call is closed with {@link GoContextGrpc#statusOf(dev.gocontext.Context)};
 *       what the handler writes after that is dropped, and {@link #isCancelled()} is true;
 *   <li>a close with a status caused by a {@link ContextException} is sent as the mapped status,
 *       with the ctx's cause when it is the ctx's own error;
 *   <li>the response headers echo the request id.
 * </ul>
 *
 * <p>{@code ServerCall} is not thread-safe, and that close comes from whatever thread makes the ctx
 * done. So the methods that must not run beside a close (headers, messages, close, compression)
 * pass through a gate: each is counted in {@link #state} while it runs, and the ctx's close either
 * runs at once (nothing in flight) or is left to the last operation in flight, on its way out. No
 * lock is held while gRPC runs, and the ctx's thread never waits.
 */
final class BoundServerCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT>
        implements Runnable {
    private static final Executor DIRECT = Runnable::run;

    /** Set once the delegate's close ran (the handler's or the ctx's); every later operation is dropped. */
    private static final int CLOSED = 1;
    /** The ctx asked for a close while operations were in flight; the last one out does it. */
    private static final int CLOSE_PENDING = 2;
    /** What each operation in flight adds to the state (the bits above this are the count). */
    private static final int ONE_OPERATION = 4;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<BoundServerCall> STATE =
            AtomicIntegerFieldUpdater.newUpdater(BoundServerCall.class, "state");

    final CancellableContext ctx;
    private final String requestId;

    // CLOSED | CLOSE_PENDING | ONE_OPERATION * operations in flight; CLOSED is final
    private volatile int state;

    // Whether the ctx closed the call (then isCancelled() is true). Written before CLOSED is set.
    private volatile boolean closedByCtx;

    // The call ended (onComplete / onCancel): the ctx's end is then not the server's to report.
    private volatile boolean ended;

    // The close the ctx asks for; set once, before CLOSE_PENDING is.
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

    boolean ended() {
        return ended;
    }

    /** The ctx's watch: the ctx is done. */
    @Override
    public void run() {
        if (!ended) {
            closeForCtx(GoContextGrpc.statusOf(ctx));
        }
    }

    /** Closes the call with {@code status} for the ctx or the library, unless it is closed already. */
    void closeForCtx(Status status) {
        ctxStatus = status;
        for (; ; ) {
            int s = state;
            if ((s & (CLOSED | CLOSE_PENDING)) != 0) {
                return;
            }
            if (s < ONE_OPERATION) {
                if (STATE.compareAndSet(this, s, CLOSED)) {
                    closeDelegate(status);
                    return;
                }
            } else if (STATE.compareAndSet(this, s, s | CLOSE_PENDING)) {
                return; // the last operation in flight closes
            }
        }
    }

    private void closeDelegate(Status status) {
        closedByCtx = true;
        super.close(status, new Metadata());
    }

    /** Counts an operation in; false if the call is closed or about to be (the operation is dropped). */
    private boolean enter() {
        for (; ; ) {
            int s = state;
            if ((s & (CLOSED | CLOSE_PENDING)) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s + ONE_OPERATION)) {
                return true;
            }
        }
    }

    /** Counts an operation out; the last one out runs a close the ctx asked for meanwhile. */
    private void exit(boolean closedNow) {
        for (; ; ) {
            int s = state;
            int next = s - ONE_OPERATION;
            if (closedNow) {
                next |= CLOSED;
            }
            boolean closeForCtx = next == CLOSE_PENDING; // no operation left, not closed
            if (STATE.compareAndSet(this, s, closeForCtx ? CLOSED : next)) {
                if (closeForCtx) {
                    Status status = ctxStatus;
                    closeDelegate(status != null ? status : GoContextGrpc.statusOf(ctx));
                }
                return;
            }
        }
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (!enter()) {
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
        if (!enter()) {
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
        if (!enter()) {
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
        if (!enter()) {
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
        if (!enter()) {
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
        return (state & CLOSED) == 0 && super.isReady();
    }

    @Override
    public boolean isCancelled() {
        return closedByCtx || super.isCancelled();
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
        return "BoundServerCall[" + delegate() + ", " + ctx + "]";
    }
}
