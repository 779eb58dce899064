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
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What context-grpc's two interceptors add to a unary call: the same echo call on grpc's
 * in-process transport, plain, through both {@code GoContextGrpc.clientInterceptor} and {@code
 * GoContextGrpc.serverInterceptor}, and through each alone.
 *
 * <p>Every call carries a one-hour deadline, as a real call would: plain with {@code
 * withDeadlineAfter}, ours from the caller's ctx ({@code withOption(GoContextGrpc.CTX, ctx)}),
 * which also sends the request id. Ours then pays, on the client, for the earlier of the two
 * deadlines, the request id header and the watch of the ctx; on the server, for the call's ctx
 * (request id, a deadline clamped to 30 s, cancel), the handler's {@code io.grpc.Context} and the
 * wrappers. {@link #serverInterceptor} is called by a plain client, which sends no request id: the
 * server makes one. Both channels and both servers are built alike, with direct executors, so
 * everything runs on the calling thread and the measure is the work of a call, not thread
 * hand-offs, which would hide the overhead.
 *
 * <p>{@link #main} measures the same calls by the CPU time of the calling thread, in alternating
 * rounds, which a machine busy with other work disturbs far less than wall-clock time:
 *
 * <pre>{@code
 * java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar \
 *      dev.gocontext.benchmarks.GrpcInterceptorBench [rounds] [calls per round] [benchmarks]
 * }</pre>
 */
@State(Scope.Thread)
public class GrpcInterceptorBench extends JmhDefaults {
    private static final MethodDescriptor<String, String> ECHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "Echo"))
            .setRequestMarshaller(Utf8.INSTANCE)
            .setResponseMarshaller(Utf8.INSTANCE)
            .build();

    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Channel plainChannel;
    private Channel boundChannel;
    private Channel clientOnlyChannel;
    private Channel serverOnlyChannel;
    private CancellableContext ctx;

    @Setup
    public void setUp() throws IOException {
        ServerServiceDefinition echo = ServerServiceDefinition.builder("bench.Echo")
                .addMethod(
                        ECHO,
                        ServerCalls.asyncUnaryCall((String request, io.grpc.stub.StreamObserver<String> response) -> {
                            response.onNext(request);
                            response.onCompleted();
                        }))
                .build();
        ServerServiceDefinition bound = ServerInterceptors.intercept(echo, GoContextGrpc.serverInterceptor());
        plainChannel = channel(echo, false);
        boundChannel = channel(bound, true);
        clientOnlyChannel = channel(echo, true);
        serverOnlyChannel = channel(bound, false);
        ctx = Context.background()
                .withValue(GoContextHttp.REQUEST_ID_KEY, "bench-request-1")
                .withTimeout(Duration.ofHours(1));
    }

    /** A server of its own serving {@code service}, and a channel to it; both with direct executors. */
    private Channel channel(ServerServiceDefinition service, boolean clientInterceptor) throws IOException {
        String name = "bench-" + servers.size() + "-" + System.identityHashCode(this);
        servers.add(InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(service)
                .build()
                .start());
        ManagedChannel channel =
                InProcessChannelBuilder.forName(name).directExecutor().build();
        channels.add(channel);
        return clientInterceptor
                ? ClientInterceptors.intercept(channel, GoContextGrpc.clientInterceptor("localhost"))
                : channel;
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        ctx.cancel();
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        for (Server server : servers) {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Benchmark
    public String plain() {
        return ClientCalls.blockingUnaryCall(plainChannel, ECHO, withDeadline(), "ping");
    }

    /** Both interceptors: the ctx's deadline and request id cross the call. */
    @Benchmark
    public String interceptors() {
        return ClientCalls.blockingUnaryCall(boundChannel, ECHO, withCtx(), "ping");
    }

    /** The client interceptor alone, to a plain server. */
    @Benchmark
    public String clientInterceptor() {
        return ClientCalls.blockingUnaryCall(clientOnlyChannel, ECHO, withCtx(), "ping");
    }

    /** The server interceptor alone, called by a plain client (no request id: the server makes one). */
    @Benchmark
    public String serverInterceptor() {
        return ClientCalls.blockingUnaryCall(serverOnlyChannel, ECHO, withDeadline(), "ping");
    }

    private static CallOptions withDeadline() {
        return CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.HOURS);
    }

    private CallOptions withCtx() {
        return CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx);
    }

    /**
     * The benchmarks by the CPU time of the calling thread: {@code rounds} rounds, each running
     * {@code calls} calls of every benchmark in turn, so that load elsewhere hits all of them alike.
     * Prints, per benchmark, the median and the 10th percentile of the CPU nanoseconds per call over
     * the rounds, the bytes the thread allocated per call, and two ratios to {@code plain}: of the
     * 10th percentiles, and the median of the ratios within each round. Load on a shared machine
     * only ever adds CPU time to a round (cache misses, a busy sibling hyper-thread), so the low
     * percentile is the steadier view of the work itself.
     *
     * <p>Arguments: {@code [rounds (301)] [calls per round (1000)] [benchmarks, comma-separated
     * (all)]}; {@code plain} is always measured.
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 301;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        List<String> names = new ArrayList<>(List.of("plain"));
        for (String name : args.length > 2
                ? Arrays.asList(args[2].split(","))
                : List.of("interceptors", "clientInterceptor", "serverInterceptor")) {
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        GrpcInterceptorBench bench = new GrpcInterceptorBench();
        bench.setUp();
        try {
            List<Supplier<String>> benchmarks = new ArrayList<>();
            for (String name : names) {
                benchmarks.add(bench.benchmark(name));
            }
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            for (int warmup = 0; warmup < 20_000 / calls + 5; warmup++) {
                for (Supplier<String> b : benchmarks) {
                    for (int i = 0; i < calls; i++) {
                        b.get();
                    }
                }
            }
            double[][] cpu = new double[names.size()][rounds];
            double[][] bytes = new double[names.size()][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < benchmarks.size(); k++) {
                    Supplier<String> b = benchmarks.get(k);
                    long allocated = threads.getThreadAllocatedBytes(self);
                    long started = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) {
                        b.get();
                    }
                    cpu[k][r] = (threads.getCurrentThreadCpuTime() - started) / (double) calls;
                    bytes[k][r] = (threads.getThreadAllocatedBytes(self) - allocated) / (double) calls;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-18s %8s %8s %8s %8s %8s%n",
                    "CPU ns per call",
                    "median",
                    "p10",
                    "B/call",
                    "p10/plain",
                    "ratio");
            for (int k = 0; k < names.size(); k++) {
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = cpu[k][r] / cpu[0][r];
                }
                System.out.printf(
                        Locale.ROOT,
                        "%-18s %8.0f %8.0f %8.0f %8.3f %8.3f%n",
                        names.get(k),
                        percentile(cpu[k], 50),
                        percentile(cpu[k], 10),
                        percentile(bytes[k], 50),
                        percentile(cpu[k], 10) / percentile(cpu[0], 10),
                        percentile(ratios, 50));
            }
        } finally {
            bench.tearDown();
        }
    }

    private Supplier<String> benchmark(String name) {
        return switch (name) {
            case "plain" -> this::plain;
            case "interceptors" -> this::interceptors;
            case "clientInterceptor" -> this::clientInterceptor;
            case "serverInterceptor" -> this::serverInterceptor;
            default -> throw new IllegalArgumentException("unknown benchmark: " + name);
        };
    }

    private static double percentile(double[] values, int percent) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(sorted.length - 1) * percent / 100];
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
