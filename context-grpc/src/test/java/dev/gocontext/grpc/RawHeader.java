package dev.gocontext.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/** Puts a header on every call as raw text, as a client that does not use grpc-java could. */
final class RawHeader implements ClientInterceptor {
    private final Metadata.Key<String> key;
    private final String value;

    private RawHeader(String name, String value) {
        this.key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
        this.value = value;
    }

    /** {@code grpc-timeout: value}, on calls without a deadline (gRPC writes its own otherwise). */
    static RawHeader grpcTimeout(String value) {
        return new RawHeader("grpc-timeout", value);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
            @Override
            public void start(Listener<RespT> listener, Metadata headers) {
                headers.put(key, value);
                super.start(listener, headers);
            }
        };
    }
}
