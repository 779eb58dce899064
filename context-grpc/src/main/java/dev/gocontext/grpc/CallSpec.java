package dev.gocontext.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import java.util.Objects;

/** What one call of {@link GoContextGrpc#unary} or {@link GoContextGrpc#serverStreaming} is made of. */
final class CallSpec<ReqT, RespT> {
    final Channel channel;
    final MethodDescriptor<ReqT, RespT> method;
    final CallOptions options;
    final ReqT request;

    private CallSpec(Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options, ReqT request) {
        this.channel = channel;
        this.method = method;
        this.options = options;
        this.request = request;
    }

    /**
     * @throws IllegalArgumentException if {@code method} is not of the {@code expected} type
     * @throws NullPointerException if an argument is null
     */
    static <ReqT, RespT> CallSpec<ReqT, RespT> of(
            Channel channel,
            MethodDescriptor<ReqT, RespT> method,
            MethodDescriptor.MethodType expected,
            CallOptions options,
            ReqT request) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(request, "request");
        if (method.getType() != expected) {
            throw new IllegalArgumentException(method.getFullMethodName() + " is a " + method.getType()
                    + " method; this call needs a " + expected + " one");
        }
        return new CallSpec<>(channel, method, options, request);
    }

    @Override
    public String toString() {
        return method.getFullMethodName();
    }
}
