package dev.gocontext.samples.examples;

import dev.gocontext.Context;
import dev.gocontext.grpc.CallCancelledException;
import dev.gocontext.grpc.GoContextGrpc;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;

/**
 * The RPC example over gRPC: one deadline, one request id and one cancellation crossing HTTP →
 * gRPC → HTTP, all on loopback with real servers.
 *
 * <pre>
 * client --HTTP, X-Request-Timeout, X-Request-ID--> front (Reactor Netty, GoContextHttpServer)
 *    --gRPC unary, grpc-timeout, x-request-id--> middle (grpc-netty, GoContextGrpc interceptors)
 *    --HTTP, X-Request-Timeout, X-Request-ID--> back (Reactor Netty): the price, after N ms of work
 * </pre>
 *
 * <p>Three requests: one in time (every hop prints the budget it arrived with: it shrinks at each
 * hop, and the request id stays the same); one whose budget is too small for the back's work (the
 * client gets {@code 504}, every hop stops); one whose client disconnects while the back works
 * (the front's ctx is canceled, which cancels the gRPC call, which cancels the middle's ctx and its
 * HTTP call, so the back stops too). Key lines: {@code the budget shrank at every hop: ...}, {@code
 * middle (gRPC): grpc-demo-3 ctx done after N ms: context canceled (call cancelled by the client)},
 * {@code back (HTTP): grpc-demo-3 stopped after N ms: the client went away}.
 *
 * <pre>{@code ./demo.sh example grpc}</pre>
 */
public final class GrpcDeadlineExample {
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    /** The middle's one method: a price for "ms=N" (the back's work), as text. */
    static final MethodDescriptor<String, String> QUOTE = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("samples.Quotes", "Quote"))
            .setRequestMarshaller(Utf8.INSTANCE)
            .setResponseMarshaller(Utf8.INSTANCE)
            .build();

    private final PrintStream out;
    private final Map<String, CompletableFuture<String>> milestones = new ConcurrentHashMap<>();
    private final Map<String, Duration> budgets = new ConcurrentHashMap<>();

    private GrpcDeadlineExample(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws Exception {
        new GrpcDeadlineExample(out).demo();
    }

    private void demo() throws Exception {
        OutboundPropagation loopback = OutboundPropagation.toHosts("127.0.0.1");
        DisposableServer back = LocalServer.start("/price", this::price);
        HttpClient toBack = GoContextHttpClient.propagation(loopback)
                .apply(HttpClient.create().baseUrl("http://127.0.0.1:" + back.port()));
        Server middle = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(quotes(toBack), GoContextGrpc.serverInterceptor()))
                .build()
                .start();
        ManagedChannel toMiddle = NettyChannelBuilder.forAddress("127.0.0.1", middle.getPort())
                .usePlaintext()
                .build();
        Channel quotes = ClientInterceptors.intercept(toMiddle, GoContextGrpc.clientInterceptor("127.0.0.1"));
        DisposableServer front = LocalServer.start("/quote", request -> quote(quotes, request));
        try {
            HttpClient client = HttpClient.create().baseUrl("http://127.0.0.1:" + front.port());
            call(client, "warm-up", "10000", 0); // the first call of a fresh JVM loads classes and connects

            out.println("== 1. in time: a 2000 ms budget, the back needs 50 ms");
            call(client, "grpc-demo-1", "2000", 50);
            await("middle done grpc-demo-1");
            reportBudgets("grpc-demo-1");

            out.println("== 2. too late: a 300 ms budget, the back needs 1000 ms");
            call(client, "grpc-demo-2", "300", 1000);
            await("middle done grpc-demo-2");
            await("back stopped grpc-demo-2");

            out.println("== 3. the client disconnects while the back works");
            Disposable gone = send(client, "grpc-demo-3", null, 5000).subscribe();
            await("back arrived grpc-demo-3");
            out.println("client: grpc-demo-3 disconnects");
            gone.dispose();
            await("middle done grpc-demo-3");
            await("back stopped grpc-demo-3");
        } finally {
            front.disposeNow(PATIENCE);
            toMiddle.shutdownNow().awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            middle.shutdownNow().awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            back.disposeNow(PATIENCE);
        }
    }

    // ---- the client

    private void call(HttpClient client, String id, String timeoutMs, int backMs) {
        long start = System.nanoTime();
        String answer = send(client, id, timeoutMs, backMs).block(PATIENCE);
        if (!id.equals("warm-up")) {
            out.println("client: " + id + " answered " + answer + " after " + elapsedMs(start) + " ms");
        }
    }

    private static Mono<String> send(HttpClient client, String id, String timeoutMs, int backMs) {
        return client.headers(h -> {
                    h.set(GoContextHttp.REQUEST_ID, id);
                    if (timeoutMs != null) {
                        h.set(GoContextHttp.REQUEST_TIMEOUT, timeoutMs);
                    }
                })
                .get()
                .uri("/quote?ms=" + backMs)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> response.status().code() + " '" + text.strip() + "'"));
    }

    // ---- front: HTTP in, gRPC out

    private Mono<String> quote(Channel quotes, HttpServerRequest request) {
        String ms = request.uri().substring(request.uri().indexOf("ms=") + 3);
        return GoContext.current().flatMap(ctx -> {
            arrive("front (HTTP)", ctx, "");
            return GoContextGrpc.unary(quotes, QUOTE, CallOptions.DEFAULT, ms)
                    // the middle ran out of budget: a deadline here too (GoContextHttpServer: 504)
                    .onErrorMap(
                            StatusRuntimeException.class,
                            e -> GoContextGrpc.errOf(e.getStatus()) == Context.DEADLINE_EXCEEDED
                                    ? Context.DEADLINE_EXCEEDED
                                    : e);
        });
    }

    // ---- middle: gRPC in, HTTP out

    private ServerServiceDefinition quotes(HttpClient toBack) {
        return ServerServiceDefinition.builder("samples.Quotes")
                .addMethod(QUOTE, ServerCalls.asyncUnaryCall((String ms, StreamObserver<String> response) -> {
                    Context ctx = GoContextGrpc.current(); // from grpc-timeout and x-request-id
                    String id = arrive("middle (gRPC)", ctx, "");
                    long start = System.nanoTime();
                    ctx.afterDone(() -> say(
                            "middle (gRPC): " + id + " ctx done after " + elapsedMs(start) + " ms: " + why(ctx),
                            "middle done " + id));
                    GoContext.deadlineOf(toBack.get()
                                    .uri("/price?ms=" + ms)
                                    .responseSingle(
                                            (answer, body) -> answer.status().code() == 504
                                                    ? Mono.<String>error(
                                                            Context.DEADLINE_EXCEEDED) // the back's budget ran out
                                                    : body.asString()))
                            .contextWrite(GoContext.with(ctx))
                            .subscribe(
                                    price -> {
                                        response.onNext(price);
                                        response.onCompleted();
                                    },
                                    error -> response.onError(
                                            GoContextGrpc.statusOf(error).asRuntimeException()));
                }))
                .build();
    }

    /** Why a ctx of the middle is done: its deadline, the client's cancel, or the call's end. */
    private static String why(Context ctx) {
        Throwable cause = ctx.cause();
        if (cause instanceof CallCancelledException) {
            return ctx.err().getMessage() + " (" + cause.getMessage() + ")";
        }
        return ctx.err().getMessage() + (cause == Context.CANCELED ? " (the call ended)" : "");
    }

    // ---- back: HTTP in, N ms of work bound to its ctx

    private Mono<String> price(HttpServerRequest request) {
        long ms = Long.parseLong(request.uri().substring(request.uri().indexOf("ms=") + 3));
        return GoContext.current().flatMap(ctx -> {
            String id = arrive("back (HTTP)", ctx, ", needs " + ms + " ms");
            long start = System.nanoTime();
            AtomicBoolean reported = new AtomicBoolean(); // the first of the two ends is the story
            Consumer<String> stopped = why -> {
                if (reported.compareAndSet(false, true)) {
                    say(
                            "back (HTTP): " + id + " stopped after " + elapsedMs(start) + " ms: " + why,
                            "back stopped " + id);
                }
            };
            return GoContext.deadlineOf(Mono.delay(Duration.ofMillis(ms)))
                    .thenReturn("EUR/USD 1.17")
                    .doOnError(e -> stopped.accept(e.getMessage())) // its own deadline, from X-Request-Timeout
                    .doOnCancel(() -> stopped.accept("the client went away")); // or the middle gave up first
        });
    }

    // ---- what the hops print, and what the demo waits for

    /** Prints a hop's arrival with the budget it got; returns the request id. */
    private String arrive(String hop, Context ctx, String more) {
        String id = GoContextHttp.requestId(ctx);
        Duration budget = ctx.remaining().orElseThrow();
        budgets.put(id + " " + hop, budget);
        say(
                hop + ": " + id + " arrived with " + budget.toMillis() + " ms of budget" + more,
                hop.substring(0, hop.indexOf(' ')) + " arrived " + id);
        return id;
    }

    private void reportBudgets(String id) {
        List<String> hops = List.of("front (HTTP)", "middle (gRPC)", "back (HTTP)");
        List<Duration> seen =
                hops.stream().map(hop -> budgets.get(id + " " + hop)).toList();
        boolean shrank = seen.get(0).compareTo(seen.get(1)) > 0 && seen.get(1).compareTo(seen.get(2)) > 0;
        out.println((shrank ? "the budget shrank at every hop: " : "the budget did NOT shrink: ")
                + seen.stream()
                        .map(d -> String.format("%.1f ms", d.toNanos() / 1e6))
                        .toList()
                + ", request id " + id + " at every hop");
    }

    /** Prints a line (unless it is about the warm-up) and marks a milestone reached. */
    private void say(String line, String milestone) {
        if (!milestone.endsWith("warm-up")) {
            out.println(line);
        }
        milestones.computeIfAbsent(milestone, m -> new CompletableFuture<>()).complete(line);
    }

    private void await(String milestone) throws Exception {
        try {
            milestones
                    .computeIfAbsent(milestone, m -> new CompletableFuture<>())
                    .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("never happened within " + PATIENCE + ": " + milestone, e);
        }
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** The marshaller of the quote method: UTF-8 text (no protoc needed for one string). */
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
