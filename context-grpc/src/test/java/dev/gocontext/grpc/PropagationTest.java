package dev.gocontext.grpc;

import static dev.gocontext.grpc.Services.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hops: a handler that calls downstream through the client interceptor propagates the budget,
 * the request id and the cancellation without any code of its own.
 */
class PropagationTest extends LoopbackTest {
    /** What one hop saw on arrival. */
    record Arrival(String hop, String requestId, Duration remaining) {}

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void theBudgetShrinksOverThreeHopsAndTheRequestIdStaysTheSame(Loopback.Transport transport) {
        Loopback loop = on(transport);
        List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        Server hop3 = loop.serve(Services.unary(
                (request, response) -> {
                    arrive(arrivals, "hop3");
                    response.onNext(request + " > hop3");
                    response.onCompleted();
                },
                GoContextGrpc.serverInterceptor()));
        Server hop2 = loop.serve(
                Services.unary(forwardingTo(loop, hop3, "hop2", arrivals), GoContextGrpc.serverInterceptor()));
        Server hop1 = loop.serve(
                Services.unary(forwardingTo(loop, hop2, "hop1", arrivals), GoContextGrpc.serverInterceptor()));
        Channel front = loop.channel(hop1, GoContextGrpc.clientInterceptor(loop.authority(hop1)));

        String answer;
        try (CancellableContext ctx = Context.background()
                .withValue(GoContextHttp.REQUEST_ID_KEY, "chain-1")
                .withTimeout(Duration.ofSeconds(5))) {
            answer = ClientCalls.blockingUnaryCall(
                    front, Strings.UNARY, CallOptions.DEFAULT.withOption(GoContextGrpc.CTX, ctx), "client");
        }

        assertThat(answer).isEqualTo("client > hop1 > hop2 > hop3");
        assertThat(arrivals).extracting(Arrival::hop).containsExactly("hop1", "hop2", "hop3");
        assertThat(arrivals).extracting(Arrival::requestId).containsOnly("chain-1");
        Duration hop1Budget = arrivals.get(0).remaining();
        Duration hop2Budget = arrivals.get(1).remaining();
        Duration hop3Budget = arrivals.get(2).remaining();
        assertThat(hop1Budget).isLessThanOrEqualTo(Duration.ofSeconds(5)).isGreaterThan(hop2Budget);
        assertThat(hop2Budget).isGreaterThan(hop3Budget);
        assertThat(hop3Budget).isPositive();
    }

    /** A handler that records its arrival and calls {@code next} from its own thread, nothing else. */
    private static Services.Unary forwardingTo(Loopback loop, Server next, String hop, List<Arrival> arrivals) {
        Channel downstream = loop.channel(next, GoContextGrpc.clientInterceptor(loop.authority(next)));
        return (request, response) -> {
            arrive(arrivals, hop);
            response.onNext(ClientCalls.blockingUnaryCall(
                    downstream, Strings.UNARY, CallOptions.DEFAULT, request + " > " + hop));
            response.onCompleted();
        };
    }

    private static void arrive(List<Arrival> arrivals, String hop) {
        Context ctx = GoContextGrpc.current();
        arrivals.add(
                new Arrival(hop, GoContextHttp.requestId(ctx), ctx.remaining().orElseThrow()));
    }

    @ParameterizedTest
    @EnumSource(Loopback.Transport.class)
    void aServerCtxThatIsDoneCancelsTheDownstreamCallWithItsCause(Loopback.Transport transport) throws Exception {
        Loopback loop = on(transport);
        CompletableFuture<Context> downstreamCtx = new CompletableFuture<>();
        CountDownLatch downstreamAfterDone = new CountDownLatch(1);
        Server back = loop.serve(Services.unary(
                (request, response) -> {
                    Context ctx = GoContextGrpc.current();
                    ctx.afterDone(downstreamAfterDone::countDown);
                    downstreamCtx.complete(ctx); // and never answers
                },
                GoContextGrpc.serverInterceptor()));
        Channel toBack = loop.channel(back, GoContextGrpc.clientInterceptor());
        CancellableContext frontLifetime = Context.background().withCancel();
        CompletableFuture<Status> downstreamStatus = new CompletableFuture<>();
        Server front = loop.serve(Services.unary(
                (request, response) -> ClientCalls.asyncUnaryCall(
                        toBack.newCall(Strings.UNARY, CallOptions.DEFAULT),
                        request,
                        relaying(response, downstreamStatus)),
                GoContextGrpc.serverInterceptorBuilder().parent(frontLifetime).build()));
        var call = ClientCalls.futureUnaryCall(
                loop.managedChannel(front).newCall(Strings.UNARY, CallOptions.DEFAULT), "hi");
        Context back2 = downstreamCtx.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

        IllegalStateException shutdown = new IllegalStateException("front shutting down");
        frontLifetime.cancel(shutdown);

        assertThat(downstreamAfterDone.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .as("the downstream handler's afterDone ran")
                .isTrue();
        assertThat(back2.err()).isSameAs(Context.CANCELED);
        assertThat(back2.cause()).isInstanceOf(CallCancelledException.class);
        Status status = downstreamStatus.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(status.getCause())
                .as("the front's cause, on the front's side")
                .isSameAs(shutdown);
        assertThatThrownBy(() -> call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .cause()
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    }

    /** Relays the downstream outcome to the caller, and keeps the downstream status. */
    private static StreamObserver<String> relaying(StreamObserver<String> response, CompletableFuture<Status> status) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                response.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                status.complete(Status.fromThrowable(t));
                response.onError(t);
            }

            @Override
            public void onCompleted() {
                status.complete(Status.OK);
                response.onCompleted();
            }
        };
    }
}
