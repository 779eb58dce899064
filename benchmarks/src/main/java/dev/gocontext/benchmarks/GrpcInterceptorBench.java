package dev.gocontext.benchmarks;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.grpc.GoContextGrpc;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What context-grpc's two interceptors add to a unary call: the same echo call on grpc's
 * in-process transport, once plain and once through {@code GoContextGrpc.clientInterceptor} and
 * {@code GoContextGrpc.serverInterceptor}.
 *
 * <p>Both calls carry a one-hour deadline, as a real call would: plain with {@code
 * withDeadlineAfter}, ours from the caller's ctx ({@code withOption(GoContextGrpc.CTX, ctx)}),
 * which also sends the request id. Ours then pays for the server call's ctx (value + timeout +
 * cancel), the client call's gRPC context, the request id header and the wrappers. Everything runs
 * on the calling thread (direct executors), so the measure is the work of a call, not thread
 * hand-offs, which would hide the overhead.
 */
@State(Scope.Thread)
public class GrpcInterceptorBench extends JmhDefaults {
    private static final MethodDescriptor<String, String> ECHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "Echo"))
            .setRequestMarshaller(Utf8.INSTANCE)
            .setResponseMarshaller(Utf8.INSTANCE)
            .build();

    private Server plainServer;
    private Server boundServer;
    private ManagedChannel plainChannel;
    private ManagedChannel boundManagedChannel;
    private Channel boundChannel;
    private CancellableContext ctx;

    @Setup
    public void setUp() throws IOException {
        String plainName = "bench-plain-" + System.identityHashCode(this);
        String boundName = "bench-bound-" + System.identityHashCode(this);
        ServerServiceDefinition echo = ServerServiceDefinition.builder("bench.Echo")
                .addMethod(
                        ECHO,
                        ServerCalls.asyncUnaryCall((String request, io.grpc.stub.StreamObserver<String> response) -> {
                            response.onNext(request);
                            response.onCompleted();
                        }))
                .build();
        plainServer = InProcessServerBuilder.forName(plainName)
                .directExecutor()
                .addService(echo)
                .build()
                .start();
        boundServer = InProcessServerBuilder.forName(boundName)
                .directExecutor()
                .addService(ServerInterceptors.intercept(echo, GoContextGrpc.serverInterceptor()))
                .build()
                .start();
        plainChannel =
                InProcessChannelBuilder.forName(plainName).directExecutor().build();
        boundManagedChannel =
                InProcessChannelBuilder.forName(boundName).directExecutor().build();
        boundChannel = ClientInterceptors.intercept(boundManagedChannel, GoContextGrpc.clientInterceptor("localhost"));
        ctx = Context.background()
                .withValue(GoContextHttp.REQUEST_ID_KEY, "bench-request-1")
                .withTimeout(Duration.ofHours(1));
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        ctx.cancel();
        plainChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        boundManagedChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        plainServer.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        boundServer.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    @Benchmark
    public String plain() {
        return ClientCalls.blockingUnaryCall(
                plainChannel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.HOURS), "ping");
    }

    @Benchmark
    public String interceptors() {
        return ClientCalls.blockingUnaryCall(
                boundChannel, ECHO, CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx), "ping");
    }

    /** UTF-8 text: the smallest realistic marshaller. */
    private enum Utf8 implements MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
