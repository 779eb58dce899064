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
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@link GoContextGrpc#clientInterceptor()}: binds each call to its ctx ({@link GoContextGrpc#CTX}
 * in the call options, else the current server call's): the earlier deadline, cancellation when
 * the ctx is done, the request id to allowed authorities only.
 *
 * <p>The cancellation goes through gRPC's own mechanism: the call is created under a cancellable
 * {@link io.grpc.Context} of its own (gRPC binds a call to the context current when it is
 * created), which {@link BoundClientCall} cancels when the ctx is done. gRPC then cancels the
 * stream from any thread, safely, as it does for its own deadlines.
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
        }
        String authority = callOptions.getAuthority();
        boolean allowed = requestIdTo.allows(authority != null ? authority : next.authority());
        if (ctx == null) {
            return new BoundClientCall<>(next.newCall(method, callOptions), null, null, null);
        }
        String requestId = allowed ? GoContextHttp.requestId(ctx) : null;
        if (!GoContextHttp.isSafeRequestId(requestId)) {
            requestId = null;
        }
        CallOptions options = withDeadlineOf(callOptions, ctx);
        if (ctx.done() == Done.never()) {
            return new BoundClientCall<>(next.newCall(method, options), null, null, requestId);
        }
        io.grpc.Context.CancellableContext scope = io.grpc.Context.current().withCancellation();
        io.grpc.Context previous = scope.attach();
        try {
            return new BoundClientCall<>(next.newCall(method, options), ctx, scope, requestId);
        } finally {
            scope.detach(previous);
        }
    }

    /** {@code options} with the earlier of its deadline and the ctx's (measured on the ctx's clock). */
    static CallOptions withDeadlineOf(CallOptions options, Context ctx) {
        Optional<Duration> remaining = ctx.remaining();
        if (remaining.isEmpty()) {
            return options;
        }
        Deadline ctxDeadline =
                Deadline.after(ServerContextInterceptor.saturatedNanos(remaining.get()), TimeUnit.NANOSECONDS);
        Deadline current = options.getDeadline();
        return current != null && !ctxDeadline.isBefore(current) ? options : options.withDeadline(ctxDeadline);
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
