package dev.gocontext.grpc;

import static dev.gocontext.grpc.Services.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link GoContextGrpc#clientInterceptor}: calls bound to a ctx, over both transports. */
class ClientInterceptorTest extends LoopbackTest {
    /** A server (without gocontext) that records what each call brought and answers or waits. */
    static final class Recorder implements ServerInterceptor {
        final List<Metadata> headers = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Duration> deadlines = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch started = new CountDownLatch(1);
        final CompletableFuture<Void> cancelled = new CompletableFuture<>();

        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                ServerCall<ReqT, RespT> call, Metadata received, ServerCallHandler<ReqT, RespT> next) {
            headers.add(received);
            io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
            deadlines.add(
                    deadline == null ? Duration.ZERO : Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS)));
            return next.startCall(call, received);
        }

        Server serve(Loopback loop) {
            return loop.serve(ServerInterceptors.intercept(
                    Services.service(
                            (request, response) -> {
                                if (request.equals("wait")) {
                                    io.grpc.Context.current().addListener(c -> cancelled.complete(null), Runnable::run);
                                    started.countDown();
                                    return;
                                }
                                response.onNext("ok");
                                response.onCompleted();
                            },
                            (request, response) -> response.onCompleted()),
                    this));
        }
    }

    @Test
    void theCtxsDeadlineIsTakenOnTheCtxsOwnClockToTheNanosecond() {
        ManualTimeSource clock = TimeSource.manual(Instant.parse("2026-01-01T00:00:00Z"));
        try (CancellableContext ctx =
                Context.background().withTimeSource(clock).withTimeout(Duration.ofSeconds(90, 123_456_789))) {
            clock.advance(Duration.ofSeconds(30));
            long remaining = ClientContextInterceptor.withDeadlineOf(CallOptions.DEFAULT, ctx)
                    .getDeadline()
                    .timeRemaining(TimeUnit.NANOSECONDS);
            // gRPC's clock has moved on a little since the deadline was made, never forward
            assertThat(remaining).isLessThanOrEqualTo(60_123_456_789L).isGreaterThan(50_000_000_000L);
        }
        assertThat(ClientContextInterceptor.withDeadlineOf(CallOptions.DEFAULT, Context.background()))
                .isSameAs(CallOptions.DEFAULT);
    }

    @Test
    void nanosBetweenIsExactAndSaturates() {
        Instant t = Instant.parse("2026-01-01T00:00:00.999999999Z");
        assertThat(ClientContextInterceptor.nanosBetween(t, t.plusNanos(1))).isEqualTo(1);
        assertThat(ClientContextInterceptor.nanosBetween(t.plusNanos(1), t)).isEqualTo(-1);
        assertThat(ClientContextInterceptor.nanosBetween(t, t.plusSeconds(3).plusNanos(2)))
                .isEqualTo(3_000_000_002L);
        assertThat(ClientContextInterceptor.nanosBetween(t, t.minusMillis(1500)))
                .isEqualTo(-1_500_000_000L);
        assertThat(ClientContextInterceptor.nanosBetween(Instant.MIN, Instant.MAX))
                .isEqualTo(Long.MAX_VALUE);
        assertThat(ClientContextInterceptor.nanosBetween(Instant.MAX, Instant.MIN))
                .isEqualTo(Long.MIN_VALUE);
        assertThat(ClientContextInterceptor.nanosBetween(t, t.plusSeconds(9_223_372_037L)))
                .as("just past a long")
                .isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void theCallsDeadlineIsTheEarlierOfTheOptionsAndTheCtx(Loopback.Transport transport) {
        Recorder recorder = new Recorder();
        Channel channel = boundChannel(recorder, transport);
        try (CancellableContext shortCtx = Context.background().withTimeout(Duration.ofSeconds(2));
                CancellableContext longCtx = Context.background().withTimeout(Duration.ofSeconds(60))) {
            ClientCalls.blockingUnaryCall(
                    channel,
                    Strings.UNARY,
                    CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS).withOption(GoContextGrpc.CTX, shortCtx),
                    "hi");
            ClientCalls.blockingUnaryCall(
                    channel,
                    Strings.UNARY,
                    CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS).withOption(GoContextGrpc.CTX, longCtx),
                    "hi");
            ClientCalls.blockingUnaryCall(
                    channel, Strings.UNARY, CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, shortCtx), "hi");
            ClientCalls.blockingUnaryCall(
                    channel,
                    Strings.UNARY,
                    CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, Context.background()),
                    "hi");
        }
        assertThat(recorder.deadlines.subList(0, 3))
                .allSatisfy(d -> assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2)));
        assertThat(recorder.deadlines.get(3)).as("no deadline anywhere").isZero();
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aCanceledCtxCancelsTheCallWithItsCause(Loopback.Transport transport) throws Exception {
        Recorder recorder = new Recorder();
        Channel channel = boundChannel(recorder, transport);
        CancellableContext ctx = Context.background().withCancel();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        ClientCalls.asyncUnaryCall(
                channel.newCall(Strings.UNARY, CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx)),
                "wait",
                statusOf(closed));
        assertThat(recorder.started.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();

        IllegalStateException why = new IllegalStateException("the user gave up");
        ctx.cancel(why);

        Status status = closed.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(status.getDescription()).isEqualTo("context canceled");
        assertThat(status.getCause()).isSameAs(why);
        recorder.cancelled.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS); // the server saw it
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aCtxDeadlineEndsTheCallWithDeadlineExceeded(Loopback.Transport transport) throws Exception {
        Recorder recorder = new Recorder();
        Channel channel = boundChannel(recorder, transport);
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(100))) {
            CompletableFuture<Status> closed = new CompletableFuture<>();
            ClientCalls.asyncUnaryCall(
                    channel.newCall(Strings.UNARY, CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx)),
                    "wait",
                    statusOf(closed));
            assertThat(closed.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).getCode())
                    .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        }
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aCtxDoneBeforeTheCallFailsItWithoutReachingTheServer(Loopback.Transport transport) {
        Recorder recorder = new Recorder();
        Channel channel = boundChannel(recorder, transport);
        CancellableContext ctx = Context.background().withCancel();
        IllegalStateException why = new IllegalStateException("shutting down");
        ctx.cancel(why);

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        channel, Strings.UNARY, CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx), "hi"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
                    assertThat(e.getStatus().getCause()).isSameAs(why);
                });
        assertThat(recorder.headers).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void theRequestIdGoesToAllowedAuthoritiesOnlyAndNothingElseDoes(Loopback.Transport transport) {
        Loopback loop = on(transport);
        Recorder recorder = new Recorder();
        Server server = recorder.serve(loop);
        String authority = loop.authority(server);
        String host = AuthorityMatcher.hostOf(authority);
        Metadata forged = new Metadata();
        forged.put(GoContextGrpc.REQUEST_ID, "set-by-the-caller");
        Context ctx = Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "order-17");
        CallOptions options = CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx);

        List<ClientInterceptor> allowing = List.of(
                GoContextGrpc.clientInterceptor(authority.toUpperCase(java.util.Locale.ROOT)),
                GoContextGrpc.clientInterceptor(host),
                GoContextGrpc.clientInterceptor(a -> a.equals(authority)));
        for (ClientInterceptor interceptor : allowing) {
            ClientCalls.blockingUnaryCall(
                    loop.channel(server, interceptor, MetadataUtils.newAttachHeadersInterceptor(forged)),
                    Strings.UNARY,
                    options,
                    "hi");
        }
        List<ClientInterceptor> refusing = List.of(
                GoContextGrpc.clientInterceptor(),
                GoContextGrpc.clientInterceptor("prices.internal"),
                GoContextGrpc.clientInterceptor(host + ":1"));
        for (ClientInterceptor interceptor : refusing) {
            ClientCalls.blockingUnaryCall(
                    loop.channel(server, interceptor, MetadataUtils.newAttachHeadersInterceptor(forged)),
                    Strings.UNARY,
                    options,
                    "hi");
        }
        // without a ctx, a refused authority still gets no forged id
        ClientCalls.blockingUnaryCall(
                loop.channel(
                        server, GoContextGrpc.clientInterceptor(), MetadataUtils.newAttachHeadersInterceptor(forged)),
                Strings.UNARY,
                CallOptions.DEFAULT,
                "hi");
        // an unsafe id in the ctx is never sent
        ClientCalls.blockingUnaryCall(
                loop.channel(server, GoContextGrpc.clientInterceptor(authority)),
                Strings.UNARY,
                CallOptions.DEFAULT.withOption(
                        GoContextGrpc.CTX, Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "a b")),
                "hi");

        List<List<String>> ids = new ArrayList<>();
        for (Metadata received : recorder.headers) {
            Iterable<String> values = received.getAll(GoContextGrpc.REQUEST_ID);
            List<String> list = new ArrayList<>();
            if (values != null) {
                values.forEach(list::add);
            }
            ids.add(list);
        }
        assertThat(ids)
                .containsExactly(
                        List.of("order-17"),
                        List.of("order-17"),
                        List.of("order-17"),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of());
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aLongLivedCtxKeepsNothingRegisteredForFinishedCalls(Loopback.Transport transport) throws Exception {
        Recorder recorder = new Recorder();
        Channel channel = boundChannel(recorder, transport);
        try (CancellableContext lifetime = Context.background().withCancel()) {
            CountingContext ctx = new CountingContext(lifetime);
            CallOptions options = CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx);
            for (int i = 0; i < 200; i++) {
                ClientCalls.blockingUnaryCall(channel, Strings.UNARY, options, "hi");
            }
            // and calls that end in failure
            for (int i = 0; i < 20; i++) {
                assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                                channel, Strings.UNARY, options.withDeadlineAfter(1, TimeUnit.NANOSECONDS), "hi"))
                        .isInstanceOf(StatusRuntimeException.class);
            }
            assertThat(ctx.liveRegistrations()).isZero();
        }
    }

    /** A channel through the client interceptor (no request id) to a server run by {@code recorder}. */
    private Channel boundChannel(Recorder recorder, Loopback.Transport transport) {
        Loopback loop = on(transport);
        return loop.channel(recorder.serve(loop), GoContextGrpc.clientInterceptor());
    }

    static StreamObserver<String> statusOf(CompletableFuture<Status> closed) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {}

            @Override
            public void onError(Throwable t) {
                closed.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                closed.complete(Status.OK);
            }
        };
    }
}
