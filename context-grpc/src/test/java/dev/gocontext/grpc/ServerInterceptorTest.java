package dev.gocontext.grpc;

import static dev.gocontext.grpc.Services.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextStats;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ForwardingServerCall;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link GoContextGrpc#serverInterceptor()}: the ctx of each server call, over both transports. */
class ServerInterceptorTest extends LoopbackTest {
    /** What a handler saw: its ctx, and what it measured when it ran. */
    static final class Seen {
        final CompletableFuture<Context> ctx = new CompletableFuture<>();
        volatile Duration remaining;
        volatile boolean inGrpcContext;

        Services.Unary answering(String answer) {
            return (request, response) -> {
                record();
                response.onNext(answer);
                response.onCompleted();
            };
        }

        Services.Unary silent() {
            return (request, response) -> record();
        }

        void record() {
            Context current = GoContextGrpc.current();
            remaining = current.remaining().orElseThrow();
            inGrpcContext = GoContextGrpc.CONTEXT_KEY.get() == current;
            ctx.complete(current);
        }

        Context ctx() throws Exception {
            return ctx.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void theHandlersCtxHasTheCallsDeadlineAndRequestIdAndEndsWithTheCall(Loopback.Transport transport)
            throws Exception {
        Loopback loop = on(transport);
        Seen seen = new Seen();
        Server server = loop.serve(Services.unary(seen.answering("ok"), GoContextGrpc.serverInterceptor()));
        Metadata sent = new Metadata();
        sent.put(GoContextGrpc.REQUEST_ID, "order-17");
        AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
        Channel channel = loop.channel(
                server,
                MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()),
                MetadataUtils.newAttachHeadersInterceptor(sent));

        String answer = ClientCalls.blockingUnaryCall(
                channel, Strings.UNARY, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "hi");

        assertThat(answer).isEqualTo("ok");
        Context ctx = seen.ctx();
        assertThat(seen.remaining).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(seen.inGrpcContext)
                .as("the ctx is in the handler's io.grpc.Context")
                .isTrue();
        assertThat(GoContextHttp.requestId(ctx)).isEqualTo("order-17");
        assertThat(responseHeaders.get().get(GoContextGrpc.REQUEST_ID)).isEqualTo("order-17");
        assertThat(ctx.done().await(PATIENCE)).as("the ctx ends with the call").isTrue();
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aCallWithoutDeadlineGetsTheDefaultAndAHugeOneTheMaximum(Loopback.Transport transport) throws Exception {
        Loopback loop = on(transport);
        ServerInterceptor interceptor = GoContextGrpc.serverInterceptorBuilder()
                .maxTimeout(Duration.ofSeconds(20))
                .defaultTimeout(Duration.ofSeconds(2))
                .build();
        Seen noDeadline = new Seen();
        Server plain = loop.serve(Services.unary(noDeadline.answering("ok"), interceptor));
        ClientCalls.blockingUnaryCall(loop.channel(plain), Strings.UNARY, CallOptions.DEFAULT, "hi");
        assertThat(noDeadline.remaining).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2));

        Seen huge = new Seen();
        Server clamped = loop.serve(Services.unary(huge.answering("ok"), interceptor));
        ClientCalls.blockingUnaryCall(
                loop.channel(clamped),
                Strings.UNARY,
                CallOptions.DEFAULT.withDeadlineAfter(100_000, TimeUnit.DAYS),
                "hi");
        assertThat(huge.remaining).isGreaterThan(Duration.ofSeconds(2)).isLessThanOrEqualTo(Duration.ofSeconds(20));

        // the largest value the header can carry: 99,999,999 hours, about 11,400 years
        Seen largest = new Seen();
        Server wire = loop.serve(Services.unary(largest.answering("ok"), interceptor));
        ClientCalls.blockingUnaryCall(
                loop.channel(wire, RawHeader.grpcTimeout("99999999H")), Strings.UNARY, CallOptions.DEFAULT, "hi");
        assertThat(largest.remaining).isGreaterThan(Duration.ofSeconds(2)).isLessThanOrEqualTo(Duration.ofSeconds(20));
    }

    /**
     * gRPC itself rejects a malformed {@code grpc-timeout} before any interceptor runs: no handler,
     * no ctx. Over Netty only: the in-process transport has no wire format, and a client that forges
     * the header there gets gRPC's parse error thrown from {@code start()} instead.
     */
    @ParameterizedTest
    @ValueSource(strings = {"soon", "123456789S", "10x", "S", ""})
    void aMalformedGrpcTimeoutIsRejectedByGrpcBeforeAnyCtx(String value) throws Exception {
        Loopback loop = on(Loopback.Transport.NETTY);
        AtomicInteger handled = new AtomicInteger();
        Server server = loop.serve(Services.unary(
                (request, response) -> {
                    handled.incrementAndGet();
                    response.onNext("ok");
                    response.onCompleted();
                },
                GoContextGrpc.serverInterceptor()));
        Channel channel = loop.channel(server);
        ClientCalls.blockingUnaryCall(channel, Strings.UNARY, CallOptions.DEFAULT, "warm-up");
        long activeBefore = ContextStats.global().active();

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        loop.channel(server, RawHeader.grpcTimeout(value)), Strings.UNARY, CallOptions.DEFAULT, "hi"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
        assertThat(handled).hasValue(1);
        assertThat(ContextStats.global().active()).isLessThanOrEqualTo(activeBefore);
    }

    /** A negative {@code grpc-timeout} parses: an expired deadline. The handler never sees a live ctx. */
    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aNegativeGrpcTimeoutIsAnExpiredDeadline(Loopback.Transport transport) {
        Loopback loop = on(transport);
        List<Object> errorsSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Server server = loop.serve(Services.unary(
                (request, response) -> {
                    errorsSeen.add(String.valueOf(GoContextGrpc.current().err()));
                    response.onNext("ok");
                    response.onCompleted();
                },
                GoContextGrpc.serverInterceptor()));

        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                        loop.channel(server, RawHeader.grpcTimeout("-5m")), Strings.UNARY, CallOptions.DEFAULT, "hi"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(errorsSeen).allMatch(err -> err.equals(Context.DEADLINE_EXCEEDED.toString()));
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void anUnsafeOrRepeatedRequestIdIsReplacedAndTheReplacementEchoed(Loopback.Transport transport) throws Exception {
        Loopback loop = on(transport);
        for (List<String> ids : List.of(
                List.of("has space"),
                List.of("<script>"),
                List.of("x".repeat(GoContextHttp.MAX_REQUEST_ID_LENGTH + 1)),
                List.of(""),
                List.of("first", "second"))) {
            Seen seen = new Seen();
            Server server = loop.serve(Services.unary(seen.answering("ok"), GoContextGrpc.serverInterceptor()));
            Metadata sent = new Metadata();
            ids.forEach(id -> sent.put(GoContextGrpc.REQUEST_ID, id));
            AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
            Channel channel = loop.channel(
                    server,
                    MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()),
                    MetadataUtils.newAttachHeadersInterceptor(sent));

            ClientCalls.blockingUnaryCall(channel, Strings.UNARY, CallOptions.DEFAULT, "hi");

            String id = GoContextHttp.requestId(seen.ctx());
            assertThat(id).as("for %s", ids).matches("[0-9a-f]{32}");
            assertThat(responseHeaders.get().get(GoContextGrpc.REQUEST_ID)).isEqualTo(id);
        }
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aClientCancelReachesTheHandlersCtxAndItsAfterDone(Loopback.Transport transport) throws Exception {
        Loopback loop = on(transport);
        Seen seen = new Seen();
        CountDownLatch afterDone = new CountDownLatch(1);
        Server server = loop.serve(Services.unary(
                (request, response) -> {
                    seen.record();
                    GoContextGrpc.current().afterDone(afterDone::countDown);
                },
                GoContextGrpc.serverInterceptor()));
        var future = ClientCalls.futureUnaryCall(
                loop.managedChannel(server).newCall(Strings.UNARY, CallOptions.DEFAULT), "hi");

        Context ctx = seen.ctx();
        assertThat(ctx.err()).isNull();
        future.cancel(true);

        assertThat(afterDone.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .as("the handler's afterDone action ran")
                .isTrue();
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isInstanceOf(CallCancelledException.class);
    }

    /** A handler that blocks on its ctx, on gRPC's thread of the call, still learns of the cancel. */
    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aClientCancelWakesAHandlerBlockedOnItsCtx(Loopback.Transport transport) throws Exception {
        Loopback loop = on(transport);
        Seen seen = new Seen();
        CompletableFuture<Boolean> woke = new CompletableFuture<>();
        Server server = loop.serve(Services.unary(
                (request, response) -> {
                    seen.record();
                    woke.complete(GoContextGrpc.current().done().await(PATIENCE.multipliedBy(2)));
                    response.onError(GoContextGrpc.current().err());
                },
                GoContextGrpc.serverInterceptor()));
        var future = ClientCalls.futureUnaryCall(
                loop.managedChannel(server).newCall(Strings.UNARY, CallOptions.DEFAULT), "hi");
        Context ctx = seen.ctx();

        future.cancel(true);

        assertThat(woke.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(ctx.cause()).isInstanceOf(CallCancelledException.class);
    }

    /** The maximum on a manual clock: no race between the handler starting and the deadline. */
    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void theMaximumClosesACallWhoseHandlerNeverAnswersAndLaterWritesAreDropped(Loopback.Transport transport)
            throws Exception {
        Loopback loop = on(transport);
        ManualTimeSource time = TimeSource.manual(Instant.parse("2026-01-01T00:00:00Z"));
        Seen seen = new Seen();
        CompletableFuture<StreamObserver<String>> forgotten = new CompletableFuture<>();
        Server server = loop.serve(Services.unary(
                (request, response) -> {
                    seen.record();
                    forgotten.complete(response);
                },
                GoContextGrpc.serverInterceptorBuilder()
                        .maxTimeout(Duration.ofSeconds(3))
                        .parent(Context.background().withTimeSource(time))
                        .build()));
        var call = ClientCalls.futureUnaryCall(
                loop.managedChannel(server)
                        .newCall(Strings.UNARY, CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.HOURS)),
                "hi");
        Context ctx = seen.ctx();
        assertThat(seen.remaining).as("an hour clamped to the maximum").isEqualTo(Duration.ofSeconds(3));

        time.advance(Duration.ofSeconds(3));

        assertThatThrownBy(() -> call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        StreamObserver<String> late = forgotten.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        late.onNext("too late"); // dropped: the call is closed; no exception for the handler
        late.onCompleted();
    }

    /**
     * The call's deadline passing on the server ends the ctx with {@code DEADLINE_EXCEEDED}, not
     * with gRPC's cancellation of the call at that same instant. The caller here sends its budget
     * as a raw header and keeps no timer of its own, as a client in another language may: only the
     * server's deadline ends the call. (A grpc-java caller resets the call at its own deadline,
     * which reaches the server as the caller's cancellation.)
     */
    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void theCallsDeadlineEndsTheHandlersCtxWithDeadlineExceeded(Loopback.Transport transport) throws Exception {
        Loopback loop = on(transport);
        Seen seen = new Seen();
        Server server = loop.serve(Services.unary(seen.silent(), GoContextGrpc.serverInterceptor()));

        var call = ClientCalls.futureUnaryCall(
                loop.channel(server, RawHeader.grpcTimeout("200m")).newCall(Strings.UNARY, CallOptions.DEFAULT), "hi");

        // gRPC resets the stream at the server's deadline, which a client without a deadline of
        // its own reads as CANCELLED (unless the ctx's close, at the same instant, gets there first)
        assertThatThrownBy(() -> call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode())
                                .isIn(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED));
        Context ctx = seen.ctx();
        assertThat(ctx.done().await(PATIENCE)).isTrue();
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aCanceledParentClosesEveryCallWithCancelledAndItsCause(Loopback.Transport transport) throws Exception {
        Loopback loop = on(transport);
        CancellableContext serverLifetime = Context.background().withCancel();
        Seen seen = new Seen();
        StatusRecorder sentStatus = new StatusRecorder();
        Server server = loop.serve(ServerInterceptors.intercept(
                Services.unary(
                        seen.silent(),
                        GoContextGrpc.serverInterceptorBuilder()
                                .parent(serverLifetime)
                                .build()),
                sentStatus));
        var future = ClientCalls.futureUnaryCall(
                loop.managedChannel(server).newCall(Strings.UNARY, CallOptions.DEFAULT), "hi");
        Context ctx = seen.ctx();

        IllegalStateException shutdown = new IllegalStateException("shutting down");
        serverLifetime.cancel(shutdown);

        assertThatThrownBy(() -> future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .hasCauseInstanceOf(StatusRuntimeException.class)
                .cause()
                .satisfies(e -> {
                    Status status = ((StatusRuntimeException) e).getStatus();
                    assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
                    assertThat(status.getDescription()).isEqualTo("context canceled");
                });
        Status closed = sentStatus.status.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(closed.getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(closed.getCause())
                .as("the cause stays on the server's status")
                .isSameAs(shutdown);
        assertThat(ctx.cause()).isSameAs(shutdown);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aHandlerFailingWithAContextErrorEndsWithTheMappedStatusNotUnknown(Loopback.Transport transport)
            throws Exception {
        Loopback loop = on(transport);
        Server server = loop.serve(Services.unary(
                (request, response) -> {
                    // work under a child ctx whose own budget ran out
                    try (CancellableContext work = GoContextGrpc.current().withTimeout(Duration.ZERO)) {
                        if (request.equals("throw")) {
                            throw work.err();
                        }
                        response.onError(work.err());
                    }
                },
                GoContextGrpc.serverInterceptor()));
        Channel channel = loop.channel(server);
        for (String how : List.of("throw", "onError")) {
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, Strings.UNARY, CallOptions.DEFAULT, how))
                    .as(how)
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("context deadline exceeded");
                    });
        }
    }

    /** Sits outside the interceptor under test and records the status it closes the call with. */
    static final class StatusRecorder implements ServerInterceptor {
        final CompletableFuture<Status> status = new CompletableFuture<>();

        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            return next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void close(Status closing, Metadata trailers) {
                            status.complete(closing);
                            super.close(closing, trailers);
                        }
                    },
                    headers);
        }
    }
}
