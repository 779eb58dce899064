package dev.gocontext.grpc;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@link GoContextGrpc#serverInterceptor()}: derives the ctx of each call from its deadline and
 * request id, runs the handler under it ({@link GoContextGrpc#CONTEXT_KEY} in the call's {@link
 * io.grpc.Context}), and ties the ctx's life to the call's ({@link BoundServerCall}, {@link
 * BoundServerListener}).
 */
final class ServerContextInterceptor implements ServerInterceptor {
    private static final Executor DIRECT = Runnable::run;

    private final Context parent;
    private final Duration maxTimeout;
    private final long maxTimeoutNanos;
    private final Duration defaultTimeout;

    ServerContextInterceptor(Context parent, Duration maxTimeout, Duration defaultTimeout) {
        this.parent = parent;
        this.maxTimeout = maxTimeout;
        this.maxTimeoutNanos = saturatedNanos(maxTimeout);
        this.defaultTimeout = defaultTimeout;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        // gRPC has parsed grpc-timeout into the deadline of the call's io.grpc.Context (a malformed
        // one never reaches interceptors: the transport rejects the call)
        io.grpc.Context callContext = io.grpc.Context.current();
        String requestId = requestIdOf(headers);
        CancellableContext ctx = parent.withValue(GoContextHttp.REQUEST_ID_KEY, requestId)
                .withTimeout(timeoutOf(callContext.getDeadline()));
        io.grpc.Context scope = callContext.withValue(GoContextGrpc.CONTEXT_KEY, ctx);
        BoundServerCall<ReqT, RespT> bound = new BoundServerCall<>(call, ctx, requestId);
        ServerCall.Listener<ReqT> listener;
        io.grpc.Context previous = scope.attach();
        try {
            listener = next.startCall(bound, headers);
        } catch (RuntimeException | Error e) {
            bound.end(); // gRPC closes the call; nothing else will end the ctx
            ctx.cancel();
            throw e;
        } finally {
            scope.detach(previous);
        }
        bound.watchCtx();
        BoundServerListener<ReqT> boundListener = new BoundServerListener<>(listener, scope, bound, callContext);
        callContext.addListener(boundListener, DIRECT);
        return boundListener;
    }

    /** The call's remaining time clamped to the maximum, or the default without a deadline. */
    private Duration timeoutOf(@Nullable Deadline deadline) {
        if (deadline == null) {
            return defaultTimeout;
        }
        long remaining = deadline.timeRemaining(TimeUnit.NANOSECONDS);
        return remaining >= maxTimeoutNanos ? maxTimeout : Duration.ofNanos(remaining);
    }

    /** The one safe id received; a new one when there is none, more than one, or an unsafe one. */
    static String requestIdOf(Metadata headers) {
        Iterable<String> values = headers.getAll(GoContextGrpc.REQUEST_ID);
        if (values != null) {
            Iterator<String> it = values.iterator();
            String received = it.hasNext() ? it.next() : null;
            if (!it.hasNext() && GoContextHttp.isSafeRequestId(received) && received != null) {
                return received;
            }
        }
        return GoContextHttp.newRequestId();
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "GoContextGrpc.serverInterceptor[max=" + maxTimeout + ", default=" + defaultTimeout + ", parent="
                + parent + "]";
    }
}
