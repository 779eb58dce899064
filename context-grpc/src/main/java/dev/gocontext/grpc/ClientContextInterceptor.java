package dev.gocontext.grpc;

import dev.gocontext.Context;
import dev.gocontext.Done;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@link GoContextGrpc#clientInterceptor()}: binds each call to its ctx ({@link GoContextGrpc#CTX}
 * in the call options, else the current server call's): the earlier deadline, cancellation when
 * the ctx is done, the request id to allowed authorities only.
 *
 * <p>gRPC also binds a call to the {@link io.grpc.Context} current when it is created (in a
 * handler: the server call's), and cancels it with that; the ctx adds its own deadline and cancel.
 */
final class ClientContextInterceptor implements ClientInterceptor {
    private final AuthorityMatcher requestIdTo;

    ClientContextInterceptor(AuthorityMatcher requestIdTo) {
        this.requestIdTo = requestIdTo;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        Context ctx = callOptions.getOption(GoContextGrpc.CTX);
        if (ctx == null) {
            ctx = GoContextGrpc.CONTEXT_KEY.get();
            if (ctx == null) {
                return new BoundClientCall.RequestIdOnly<>(next.newCall(method, callOptions), null);
            }
        }
        String requestId = requestIdFor(ctx, callOptions, next);
        CallOptions options = withDeadlineOf(callOptions, ctx);
        if (ctx.err() != null) {
            return new BoundClientCall<>(doneCall(method, options, next, ctx), ctx, requestId);
        }
        ClientCall<ReqT, RespT> call = next.newCall(method, options);
        return ctx.done() == Done.never()
                ? new BoundClientCall.RequestIdOnly<>(call, requestId)
                : new BoundClientCall<>(call, ctx, requestId);
    }

    /** The ctx's request id if the call's authority is allowed to see it and it is safe, else null. */
    private @Nullable String requestIdFor(Context ctx, CallOptions options, Channel next) {
        String requestId = GoContextHttp.requestId(ctx);
        if (requestId == null || !GoContextHttp.isSafeRequestId(requestId)) {
            return null;
        }
        String authority = options.getAuthority();
        return requestIdTo.allows(authority != null ? authority : next.authority()) ? requestId : null;
    }

    /**
     * A call for a ctx that is done already: created under a canceled {@link io.grpc.Context}, so
     * that gRPC fails it at {@code start} without opening a stream to the server.
     */
    private static <ReqT, RespT> ClientCall<ReqT, RespT> doneCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next, Context ctx) {
        io.grpc.Context.CancellableContext canceled = io.grpc.Context.current().withCancellation();
        canceled.cancel(GoContextGrpc.statusOf(ctx).asRuntimeException());
        io.grpc.Context previous = canceled.attach();
        try {
            return next.newCall(method, options);
        } finally {
            canceled.detach(previous);
        }
    }

    /** {@code options} with the earlier of its deadline and the ctx's (measured on the ctx's clock). */
    static CallOptions withDeadlineOf(CallOptions options, Context ctx) {
        Optional<Instant> deadline = ctx.deadline();
        if (deadline.isEmpty()) {
            return options;
        }
        Deadline ctxDeadline =
                Deadline.after(nanosBetween(ctx.timeSource().now(), deadline.get()), TimeUnit.NANOSECONDS);
        Deadline current = options.getDeadline();
        return current != null && !ctxDeadline.isBefore(current) ? options : options.withDeadline(ctxDeadline);
    }

    /**
     * The nanoseconds from {@code from} to {@code to}, saturated to a long: {@code ctx.remaining()}
     * without its {@code Optional} and {@code Duration}, which every call would allocate.
     */
    static long nanosBetween(Instant from, Instant to) {
        long seconds = to.getEpochSecond() - from.getEpochSecond(); // both within ±3.2e16: no overflow
        long nanos = to.getNano() - from.getNano();
        try {
            return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
        } catch (ArithmeticException overflow) {
            return seconds < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Whether {@link #withDeadlineOf} took the ctx's deadline. */
    @SuppressWarnings("ReferenceEquality") // the same Deadline instance: withDeadlineOf kept the options' own
    static boolean deadlineIsCtxs(CallOptions original, CallOptions bound) {
        @Nullable Deadline deadline = bound.getDeadline();
        return deadline != null && deadline != original.getDeadline();
    }

    @Override
    public String toString() {
        return "GoContextGrpc.clientInterceptor[request id to " + requestIdTo + "]";
    }
}
