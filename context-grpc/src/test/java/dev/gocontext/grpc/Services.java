package dev.gocontext.grpc;

import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;

/** The tests' services: handlers as applications write them, behind an interceptor. */
final class Services {
    /** How long a test waits for any one event before it fails. */
    static final Duration PATIENCE = Duration.ofSeconds(10);

    private Services() {}

    /** A unary handler. */
    @FunctionalInterface
    interface Unary {
        void handle(String request, StreamObserver<String> response) throws Exception;
    }

    /** The test service with this unary handler (and a streaming one answering nothing), intercepted. */
    static ServerServiceDefinition unary(Unary handler, ServerInterceptor interceptor) {
        return service(handler, (request, response) -> response.onCompleted(), interceptor);
    }

    /** The test service with both handlers, intercepted. */
    static ServerServiceDefinition service(Unary unary, Unary stream, ServerInterceptor interceptor) {
        return ServerInterceptors.intercept(service(unary, stream), interceptor);
    }

    /** The test service with both handlers, as gRPC runs them without gocontext. */
    static ServerServiceDefinition service(Unary unary, Unary stream) {
        return ServerServiceDefinition.builder(Strings.SERVICE)
                .addMethod(
                        Strings.UNARY, ServerCalls.asyncUnaryCall((request, response) -> run(unary, request, response)))
                .addMethod(
                        Strings.STREAM,
                        ServerCalls.asyncServerStreamingCall((request, response) -> run(stream, request, response)))
                .build();
    }

    private static void run(Unary handler, String request, StreamObserver<String> response) {
        try {
            handler.handle(request, response);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
