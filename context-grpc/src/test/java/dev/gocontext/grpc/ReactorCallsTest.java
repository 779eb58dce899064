package dev.gocontext.grpc;

import static dev.gocontext.grpc.Services.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CanceledException;
import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.DeadlineExceededException;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.SchedulerTimeSource;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@link GoContextGrpc#unary} and {@link GoContextGrpc#serverStreaming}: calls as pipelines bound to their ctx. */
class ReactorCallsTest extends LoopbackTest {
    /** A server whose handlers record the ctx of each call: "ok" answers, "wait" never does. */
    final class Backend {
        final Loopback loop;
        final Server server;
        final Channel channel;
        final AtomicInteger calls = new AtomicInteger();
        final CompletableFuture<Context> waiting = new CompletableFuture<>();
        final CountDownLatch waitingDone = new CountDownLatch(1);
        volatile String requestId;

        Backend(Loopback.Transport transport) {
            loop = on(transport);
            server = loop.serve(Services.service(this::unary, this::stream, GoContextGrpc.serverInterceptor()));
            channel = loop.channel(server, GoContextGrpc.clientInterceptor(loop.authority(server)));
        }

        private void unary(String request, StreamObserver<String> response) {
            calls.incrementAndGet();
            Context ctx = GoContextGrpc.current();
            requestId = GoContextHttp.requestId(ctx);
            switch (request) {
                case "wait" -> {
                    ctx.afterDone(waitingDone::countDown);
                    waiting.complete(ctx);
                }
                case "missing" ->
                    response.onError(
                            Status.NOT_FOUND.withDescription("no such quote").asRuntimeException());
                default -> {
                    response.onNext("ok");
                    response.onCompleted();
                }
            }
        }

        /** "3": three elements, then waits; "endless": as many as the client takes. */
        private void stream(String request, StreamObserver<String> response) {
            calls.incrementAndGet();
            Context ctx = GoContextGrpc.current();
            ctx.afterDone(waitingDone::countDown);
            waiting.complete(ctx);
            if (request.equals("3")) {
                for (int i = 0; i < 3; i++) {
                    response.onNext(Integer.toString(i));
                }
                return;
            }
            ServerCallStreamObserver<String> observer = (ServerCallStreamObserver<String>) response;
            AtomicInteger next = new AtomicInteger();
            observer.setOnReadyHandler(() -> {
                while (observer.isReady() && ctx.err() == null) {
                    observer.onNext(Integer.toString(next.getAndIncrement()));
                }
            });
        }

        Context waitingCtx() throws Exception {
            return waiting.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Waits until the server handles a call that it never answers. */
        void awaitWaiting() {
            try {
                waitingCtx();
            } catch (Exception e) {
                throw new AssertionError("the server never got the call", e);
            }
        }

        void awaitWaitingDone() throws InterruptedException {
            assertThat(waitingDone.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the server's ctx is done")
                    .isTrue();
        }
    }

    private static Mono<String> unary(Backend backend, String request) {
        return GoContextGrpc.unary(backend.channel, Strings.UNARY, CallOptions.DEFAULT, request);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aUnaryCallAnswersUnderTheSubscriptionsCtx(Loopback.Transport transport) {
        Backend backend = new Backend(transport);
        try (CancellableContext ctx = Context.background()
                .withValue(GoContextHttp.REQUEST_ID_KEY, "rx-1")
                .withTimeout(Duration.ofSeconds(5))) {
            StepVerifier.create(unary(backend, "hi").contextWrite(GoContext.with(ctx)))
                    .expectNext("ok")
                    .expectComplete()
                    .verify(PATIENCE);
        }
        assertThat(backend.requestId).isEqualTo("rx-1");
    }

    /** The ctx on Reactor's virtual time: its deadline passes when the test says, after the call started. */
    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void theCtxsDeadlineEndsThePipelineWithTheCtxsErrorAndCancelsTheCall(Loopback.Transport transport)
            throws Exception {
        Backend backend = new Backend(transport);
        StepVerifier.withVirtualTime(() -> unary(backend, "wait").contextWrite(GoContext.with(virtualHour())))
                .expectSubscription()
                .then(backend::awaitWaiting)
                .thenAwait(Duration.ofHours(1))
                .expectError(DeadlineExceededException.class)
                .verify(PATIENCE);
        backend.awaitWaitingDone();
        assertThat(backend.waitingCtx().cause()).isInstanceOf(CallCancelledException.class);
    }

    /** A ctx of one hour on the virtual clock (gRPC's own deadline, in real time, never comes). */
    private static Context virtualHour() {
        return Context.background()
                .withTimeSource(SchedulerTimeSource.parallel())
                .withTimeout(Duration.ofHours(1));
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aCanceledCtxEndsThePipelineWithCanceledAndTheServerSeesTheCancel(Loopback.Transport transport)
            throws Exception {
        Backend backend = new Backend(transport);
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(unary(backend, "wait").contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .then(backend::awaitWaiting)
                .then(() -> ctx.cancel(new IllegalStateException("the user gave up")))
                .expectError(CanceledException.class)
                .verify(PATIENCE);
        backend.awaitWaitingDone();
        assertThat(backend.waitingCtx().cause()).isInstanceOf(CallCancelledException.class);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void disposingThePipelineCancelsTheCall(Loopback.Transport transport) throws Exception {
        Backend backend = new Backend(transport);
        Disposable subscription = unary(backend, "wait").subscribe();
        Context serverCtx = backend.waitingCtx();

        subscription.dispose();

        backend.awaitWaitingDone();
        assertThat(serverCtx.cause()).isInstanceOf(CallCancelledException.class);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void anotherStatusEndsThePipelineWithAStatusRuntimeException(Loopback.Transport transport) {
        Backend backend = new Backend(transport);
        StepVerifier.create(unary(backend, "missing"))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(StatusRuntimeException.class, sre -> {
                    assertThat(sre.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(sre.getStatus().getDescription()).isEqualTo("no such quote");
                }))
                .verify(PATIENCE);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aCtxAlreadyDoneMakesNoCall(Loopback.Transport transport) {
        Backend backend = new Backend(transport);
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        StepVerifier.create(unary(backend, "hi").contextWrite(GoContext.with(ctx)))
                .expectError(CanceledException.class)
                .verify(PATIENCE);
        assertThat(backend.calls).hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aServerStreamFollowsTheSubscribersDemand(Loopback.Transport transport) {
        Backend backend = new Backend(transport);
        StepVerifier.create(
                        GoContextGrpc.serverStreaming(backend.channel, Strings.STREAM, CallOptions.DEFAULT, "endless"),
                        0)
                .expectSubscription()
                .thenRequest(2)
                .expectNext("0", "1")
                .thenRequest(3)
                .expectNext("2", "3", "4")
                .thenCancel()
                .verify(PATIENCE);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void takingPartOfAnEndlessStreamCancelsTheCall(Loopback.Transport transport) throws Exception {
        Backend backend = new Backend(transport);
        StepVerifier.create(
                        GoContextGrpc.serverStreaming(backend.channel, Strings.STREAM, CallOptions.DEFAULT, "endless")
                                .take(10))
                .expectNextCount(10)
                .expectComplete()
                .verify(PATIENCE);
        backend.awaitWaitingDone();
        assertThat(backend.waitingCtx().cause()).isInstanceOf(CallCancelledException.class);
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aStreamEndsWithTheCtxsErrorAtItsDeadline(Loopback.Transport transport) throws Exception {
        Backend backend = new Backend(transport);
        StepVerifier.withVirtualTime(
                        () -> GoContextGrpc.serverStreaming(backend.channel, Strings.STREAM, CallOptions.DEFAULT, "3")
                                .contextWrite(GoContext.with(virtualHour())))
                .expectNext("0", "1", "2")
                .thenAwait(Duration.ofHours(1))
                .expectError(DeadlineExceededException.class)
                .verify(PATIENCE);
        backend.awaitWaitingDone();
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aUnaryCallWithoutOrWithTwoResponsesFailsWithInternal(Loopback.Transport transport) {
        Loopback loop = on(transport);
        // served as a stream, so that the server lets the contract be broken, as a server not
        // written with grpc-java could
        MethodDescriptor<String, String> served = Strings.UNARY.toBuilder()
                .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                .build();
        Server server = loop.serve(ServerServiceDefinition.builder(Strings.SERVICE)
                .addMethod(served, answering(0))
                .build());
        Server twice = loop.serve(ServerServiceDefinition.builder(Strings.SERVICE)
                .addMethod(served, answering(2))
                .build());
        for (Server s : new Server[] {server, twice}) {
            StepVerifier.create(GoContextGrpc.unary(loop.channel(s), Strings.UNARY, CallOptions.DEFAULT, "hi"))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOfSatisfying(
                                    StatusRuntimeException.class,
                                    sre -> assertThat(sre.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL)))
                    .verify(PATIENCE);
        }
    }

    /** A raw handler that breaks the unary contract: {@code responses} messages, then OK. */
    private static ServerCallHandler<String, String> answering(int responses) {
        return (call, headers) -> {
            call.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onHalfClose() {
                    call.sendHeaders(new Metadata());
                    for (int i = 0; i < responses; i++) {
                        call.sendMessage("response " + i);
                    }
                    call.close(Status.OK, new Metadata());
                }
            };
        };
    }

    @Test
    void badArgumentsAreRefusedByName() {
        Loopback loop = on(Loopback.Transport.IN_PROCESS);
        Channel channel = loop.channel(loop.serve(Services.service((r, o) -> {}, (r, o) -> {})));
        assertThatThrownBy(() -> GoContextGrpc.unary(channel, Strings.STREAM, CallOptions.DEFAULT, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test.Hops/Stream is a SERVER_STREAMING method");
        assertThatThrownBy(() -> GoContextGrpc.serverStreaming(channel, Strings.UNARY, CallOptions.DEFAULT, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test.Hops/Unary is a UNARY method");
        assertThatThrownBy(() -> GoContextGrpc.unary(null, Strings.UNARY, CallOptions.DEFAULT, "x"))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("channel");
        assertThatThrownBy(() -> GoContextGrpc.unary(channel, Strings.UNARY, CallOptions.DEFAULT, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("request");
        Flux<String> lazy = GoContextGrpc.serverStreaming(channel, Strings.STREAM, CallOptions.DEFAULT, "x");
        assertThat(lazy).as("nothing is called before a subscription").isNotNull();
    }
}
