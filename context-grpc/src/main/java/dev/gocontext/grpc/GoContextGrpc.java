package dev.gocontext.grpc;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One gocontext ctx across gRPC hops: the same budget, the same request id and the same
 * cancellation, with the cause kept, between HTTP and gRPC in both directions.
 *
 * <h2>Server</h2>
 *
 * {@link #serverInterceptor()} gives every call its own ctx, canceled when the call ends; handlers
 * read it with {@link #current()}:
 *
 * <pre>{@code
 * Server server = ServerBuilder.forPort(8443)
 *         .addService(ServerInterceptors.intercept(quotes, GoContextGrpc.serverInterceptor()))
 *         .build();
 *
 * public void quote(QuoteRequest request, StreamObserver<Quote> response) {
 *     Context ctx = GoContextGrpc.current();   // deadline from grpc-timeout, id from x-request-id
 *     response.onNext(prices.lookup(ctx, request.getSymbol()));
 *     response.onCompleted();
 * }
 * }</pre>
 *
 * <ul>
 *   <li>deadline: the call's ({@code grpc-timeout}), clamped to a maximum (30 s unless {@link
 *       #serverInterceptor(Duration)} says otherwise); a call without one gets the maximum. When the
 *       ctx's deadline passes, or its parent is canceled, before the handler closes the call, the
 *       call is closed for it with {@code DEADLINE_EXCEEDED} or {@code CANCELLED}; later writes of
 *       the handler are dropped, without an exception;
 *   <li>request id: {@value #REQUEST_ID_HEADER}, kept when it is safe by the HTTP rules ({@link
 *       GoContextHttp#isSafeRequestId}), else a new one ({@link GoContextHttp#newRequestId}); the ctx
 *       carries it under {@link GoContextHttp#REQUEST_ID_KEY}, and the response headers echo it;
 *   <li>cancellation: the ctx is canceled when the client cancels the call (cause: {@link
 *       CallCancelledException}) and when the call ends;
 *   <li>a handler that fails with the ctx's error (thrown, or given to {@code onError}) ends the
 *       call with the mapped status below.
 * </ul>
 *
 * <h2>Client</h2>
 *
 * {@link #clientInterceptor(String...)} binds each call to a ctx: the one in the call's options
 * under {@link #CTX}, else the ctx of the server call being handled, so a handler that calls
 * downstream propagates without extra code:
 *
 * <pre>{@code
 * Channel prices = ClientInterceptors.intercept(channel, GoContextGrpc.clientInterceptor("prices.internal"));
 * PriceGrpc.PriceBlockingStub stub = PriceGrpc.newBlockingStub(prices);
 * try (CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(300))) {
 *     Price price = stub.withOption(GoContextGrpc.CTX, ctx).price(request);
 * }
 * }</pre>
 *
 * <ul>
 *   <li>deadline: the earlier of the call options' deadline and the ctx's; gRPC sends the rest of it
 *       as {@code grpc-timeout};
 *   <li>cancellation: a ctx that becomes done cancels the call; the caller sees {@code CANCELLED}
 *       or {@code DEADLINE_EXCEEDED} with the ctx's cause as the status cause;
 *   <li>request id: sent as {@value #REQUEST_ID_HEADER} to the allowed authorities only; calls to
 *       other authorities carry none, even one the caller put into the headers.
 * </ul>
 *
 * <h2>Status mapping</h2>
 *
 * <table>
 *   <caption>ctx error and gRPC status</caption>
 *   <tr><th>ctx</th><th>status</th></tr>
 *   <tr><td>{@link Context#DEADLINE_EXCEEDED}</td><td>{@code DEADLINE_EXCEEDED}</td></tr>
 *   <tr><td>{@link Context#CANCELED}</td><td>{@code CANCELLED}</td></tr>
 *   <tr><td>{@link Context#cause()}</td><td>{@link Status#getCause()} (never sent over the wire)</td></tr>
 * </table>
 *
 * {@link #statusOf(Context)}, {@link #statusOf(Throwable)} and {@link #errOf(Status)} apply it.
 *
 * <h2>Reactor</h2>
 *
 * {@link #unary} and {@link #serverStreaming} run a call as a {@code Mono} or {@code Flux} bound
 * to the ctx of the subscription ({@link GoContext#deadlineOf(Mono)}): disposing the pipeline
 * cancels the call, and a call that ends because the ctx is done ends the pipeline with {@code
 * ctx.err()}:
 *
 * <pre>{@code
 * Mono<Price> price = GoContextGrpc.unary(channel, PriceGrpc.getPriceMethod(), CallOptions.DEFAULT, request)
 *         .contextWrite(GoContext.with(ctx));
 * }</pre>
 */
public final class GoContextGrpc {
    /**
     * The call option that names the ctx of a client call, for {@link #clientInterceptor()}: {@code
     * stub.withOption(GoContextGrpc.CTX, ctx)}.
     */
    public static final CallOptions.Key<Context> CTX = CallOptions.Key.create("dev.gocontext.Context");

    /**
     * Where the ctx of a server call is kept in the {@link io.grpc.Context} of its handler, for code
     * that only knows gRPC's context: {@code GoContextGrpc.CONTEXT_KEY.get()}. {@link #current()}
     * reads it.
     */
    public static final io.grpc.Context.Key<Context> CONTEXT_KEY = io.grpc.Context.key("dev.gocontext.Context");

    /** The name of the request id header, as HTTP's {@value GoContextHttp#REQUEST_ID} in lower case. */
    public static final String REQUEST_ID_HEADER = "x-request-id";

    /** The request id header: {@value #REQUEST_ID_HEADER}. */
    public static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of(REQUEST_ID_HEADER, Metadata.ASCII_STRING_MARSHALLER);

    private static final ServerInterceptor DEFAULT_SERVER =
            serverInterceptorBuilder().build();

    private static final ClientInterceptor NO_REQUEST_ID = clientInterceptor(authority -> false);

    private GoContextGrpc() {}

    /**
     * The server interceptor with the defaults of {@link ServerInterceptorBuilder}: a call's ctx
     * lasts at most 30 s, 30 s when the call has no deadline, and derives from {@link
     * Context#background()}.
     *
     * <pre>{@code
     * ServerInterceptors.intercept(service, GoContextGrpc.serverInterceptor())
     * }</pre>
     */
    public static ServerInterceptor serverInterceptor() {
        return DEFAULT_SERVER;
    }

    /**
     * The server interceptor, with calls' ctx lasting at most {@code maxTimeout} (and that long when
     * the call has no deadline).
     *
     * <pre>{@code
     * ServerInterceptors.intercept(service, GoContextGrpc.serverInterceptor(Duration.ofSeconds(5)))
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code maxTimeout} is not positive
     * @throws NullPointerException if {@code maxTimeout} is null
     */
    public static ServerInterceptor serverInterceptor(Duration maxTimeout) {
        return serverInterceptorBuilder().maxTimeout(maxTimeout).build();
    }

    /**
     * A builder of server interceptors, for the default timeout and the parent ctx too.
     *
     * <pre>{@code
     * GoContextGrpc.serverInterceptorBuilder()
     *         .maxTimeout(Duration.ofMinutes(5))      // long server streams
     *         .defaultTimeout(Duration.ofSeconds(10)) // a call that sent no grpc-timeout
     *         .parent(serverLifetime)                  // canceled at shutdown: every call's ctx is done
     *         .build();
     * }</pre>
     */
    public static ServerInterceptorBuilder serverInterceptorBuilder() {
        return new ServerInterceptorBuilder();
    }

    /**
     * The client interceptor, sending the request id to no authority: deadlines and cancellation
     * only.
     *
     * <pre>{@code
     * Channel bound = ClientInterceptors.intercept(thirdPartyChannel, GoContextGrpc.clientInterceptor());
     * }</pre>
     */
    public static ClientInterceptor clientInterceptor() {
        return NO_REQUEST_ID;
    }

    /**
     * The client interceptor, sending the request id to these authorities only (compared without
     * case). An entry with a port ({@code "prices.internal:8443"}) allows that authority; one
     * without ({@code "prices.internal"}) allows that host on any port.
     *
     * <pre>{@code
     * ClientInterceptors.intercept(channel, GoContextGrpc.clientInterceptor("prices.internal", "stock.internal:8443"))
     * }</pre>
     *
     * @throws IllegalArgumentException if an entry is empty
     * @throws NullPointerException if {@code authorities} or one of them is null
     */
    public static ClientInterceptor clientInterceptor(String... authorities) {
        return new ClientContextInterceptor(AuthorityMatcher.of(authorities));
    }

    /**
     * The client interceptor, sending the request id to the authorities {@code allowed} accepts; it
     * gets the call's authority ({@code host:port}) in lower case.
     *
     * <pre>{@code
     * GoContextGrpc.clientInterceptor(authority -> authority.endsWith(".internal:8443"))
     * }</pre>
     *
     * @throws NullPointerException if {@code allowed} is null
     */
    public static ClientInterceptor clientInterceptor(Predicate<String> allowed) {
        return new ClientContextInterceptor(AuthorityMatcher.of(allowed));
    }

    /**
     * The ctx of the server call being handled on this thread ({@link #CONTEXT_KEY} in the current
     * {@link io.grpc.Context}), or {@link Context#background()} outside a call handled under {@link
     * #serverInterceptor()}.
     *
     * <pre>{@code
     * Context ctx = GoContextGrpc.current();
     * ctx.remaining().ifPresent(left -> statement.setQueryTimeout((int) Math.max(1, left.toSeconds())));
     * }</pre>
     *
     * <p>Handler code that continues on other threads (a Reactor pipeline, an executor) takes the
     * ctx with it: {@code pipeline.contextWrite(GoContext.with(GoContextGrpc.current()))}.
     */
    public static Context current() {
        Context ctx = CONTEXT_KEY.get();
        return ctx != null ? ctx : Context.background();
    }

    /**
     * The status of a call ended because {@code ctx} is done: {@code DEADLINE_EXCEEDED} or {@code
     * CANCELLED}, described by {@code ctx.err()}'s message, with {@code ctx.cause()} as its cause.
     *
     * <pre>{@code
     * if (ctx.err() != null) {
     *     responseObserver.onError(GoContextGrpc.statusOf(ctx).asRuntimeException());
     * }
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code ctx} is not done
     * @throws NullPointerException if {@code ctx} is null
     */
    public static Status statusOf(Context ctx) {
        ContextException err = Objects.requireNonNull(ctx, "ctx").err();
        if (err == null) {
            throw new IllegalArgumentException("ctx is not done: " + ctx);
        }
        return codeOf(err).withDescription(err.getMessage()).withCause(ctx.cause());
    }

    /**
     * The status for a call that failed with {@code error}: the first {@link ContextException} or
     * gRPC status exception in its cause chain decides ({@code DEADLINE_EXCEEDED} / {@code
     * CANCELLED} with the error as the cause, or that status); otherwise {@link
     * Status#fromThrowable}.
     *
     * <pre>{@code
     * pipeline.subscribe(responseObserver::onNext,
     *         error -> responseObserver.onError(GoContextGrpc.statusOf(error).asRuntimeException()),
     *         responseObserver::onCompleted);
     * }</pre>
     *
     * @throws NullPointerException if {@code error} is null
     */
    public static Status statusOf(Throwable error) {
        Objects.requireNonNull(error, "error");
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ContextException err) {
                return codeOf(err).withDescription(err.getMessage()).withCause(error);
            }
            if (t instanceof StatusRuntimeException e) {
                return e.getStatus();
            }
            if (t instanceof StatusException e) {
                return e.getStatus();
            }
        }
        return Status.fromThrowable(error);
    }

    /**
     * The ctx error a status stands for: {@link Context#DEADLINE_EXCEEDED} for {@code
     * DEADLINE_EXCEEDED}, {@link Context#CANCELED} for {@code CANCELLED}, else null.
     *
     * <pre>{@code
     * catch (StatusRuntimeException e) {
     *     if (GoContextGrpc.errOf(e.getStatus()) == Context.DEADLINE_EXCEEDED) {
     *         return fallbackQuote();
     *     }
     *     throw e;
     * }
     * }</pre>
     *
     * @throws NullPointerException if {@code status} is null
     */
    public static @Nullable ContextException errOf(Status status) {
        return switch (Objects.requireNonNull(status, "status").getCode()) {
            case DEADLINE_EXCEEDED -> Context.DEADLINE_EXCEEDED;
            case CANCELLED -> Context.CANCELED;
            default -> null;
        };
    }

    static Status codeOf(ContextException err) {
        return err == Context.DEADLINE_EXCEEDED ? Status.DEADLINE_EXCEEDED : Status.CANCELLED;
    }

    /**
     * A unary call as a {@code Mono}, bound to the ctx of each subscription ({@link
     * GoContext#deadlineOf(Mono)}). Each subscription makes one call:
     *
     * <ul>
     *   <li>the call's deadline is the earlier of {@code options}' and the ctx's, and the ctx goes
     *       to the channel's interceptors under {@link #CTX} (so {@link #clientInterceptor} sends
     *       the request id);
     *   <li>a ctx already done: no call is made; the subscriber gets {@code onError(ctx.err())};
     *   <li>the ctx becomes done: the call is cancelled with the ctx's cause; the subscriber gets
     *       {@code onError(ctx.err())};
     *   <li>the subscriber cancels (disposes): the call is cancelled, with a {@code
     *       SubscriptionCancelledException} cause;
     *   <li>the call ends with {@code OK}: its response, then {@code onComplete}; with another
     *       status: {@code onError} with the ctx's error when the status is the ctx's doing ({@code
     *       CANCELLED} or {@code DEADLINE_EXCEEDED} of a done ctx, or {@code DEADLINE_EXCEEDED} at
     *       the ctx's own deadline), else a {@link StatusRuntimeException} with the trailers.
     * </ul>
     *
     * <pre>{@code
     * GoContextGrpc.unary(channel, QuoteGrpc.getQuoteMethod(), CallOptions.DEFAULT, request)
     *         .contextWrite(GoContext.with(requestCtx))
     *         .subscribe(quote -> log.info("{}", quote));
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code method} is not {@code UNARY}
     * @throws NullPointerException if an argument is null
     */
    public static <ReqT, RespT> Mono<RespT> unary(
            Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options, ReqT request) {
        CallSpec<ReqT, RespT> spec = CallSpec.of(channel, method, MethodDescriptor.MethodType.UNARY, options, request);
        return GoContext.deadlineOf(Mono.fromDirect(new FluxClientCall<>(spec, true))); // one response at most
    }

    /**
     * A server-streaming call as a {@code Flux}, bound to the ctx of each subscription ({@link
     * GoContext#deadlineOf(Flux)}), by the rules of {@link #unary}; responses are requested from
     * the server as the subscriber requests them (gRPC flow control), and the call's {@code OK}
     * completes the {@code Flux}.
     *
     * <pre>{@code
     * GoContextGrpc.serverStreaming(channel, TickerGrpc.getTicksMethod(), CallOptions.DEFAULT, request)
     *         .take(10)                              // cancels the call after the 10th tick
     *         .contextWrite(GoContext.with(ctx));
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code method} is not {@code SERVER_STREAMING}
     * @throws NullPointerException if an argument is null
     */
    public static <ReqT, RespT> Flux<RespT> serverStreaming(
            Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options, ReqT request) {
        CallSpec<ReqT, RespT> spec =
                CallSpec.of(channel, method, MethodDescriptor.MethodType.SERVER_STREAMING, options, request);
        return GoContext.deadlineOf(new FluxClientCall<>(spec, false));
    }

    /**
     * Configures the interceptor of {@link #serverInterceptor()}.
     *
     * <pre>{@code
     * ServerInterceptor interceptor = GoContextGrpc.serverInterceptorBuilder()
     *         .maxTimeout(Duration.ofSeconds(10))
     *         .parent(serverLifetime)
     *         .build();
     * }</pre>
     */
    public static final class ServerInterceptorBuilder {
        private static final Duration DEFAULT = Duration.ofSeconds(30);

        private Context parent = Context.background();
        private Duration maxTimeout = DEFAULT;
        private Duration defaultTimeout = DEFAULT;

        private ServerInterceptorBuilder() {}

        /**
         * The longest a call's ctx lasts; a longer {@code grpc-timeout} is clamped to it. Default 30
         * s.
         *
         * @throws IllegalArgumentException if {@code maxTimeout} is not positive
         * @throws NullPointerException if {@code maxTimeout} is null
         */
        public ServerInterceptorBuilder maxTimeout(Duration maxTimeout) {
            this.maxTimeout = positive(maxTimeout, "maxTimeout");
            return this;
        }

        /**
         * How long the ctx of a call without a deadline lasts (at most the maximum). Default 30 s.
         *
         * @throws IllegalArgumentException if {@code defaultTimeout} is not positive
         * @throws NullPointerException if {@code defaultTimeout} is null
         */
        public ServerInterceptorBuilder defaultTimeout(Duration defaultTimeout) {
            this.defaultTimeout = positive(defaultTimeout, "defaultTimeout");
            return this;
        }

        /**
         * The ctx every call's ctx derives from, e.g. one canceled when the server shuts down:
         * canceling it cancels every call in flight, with its cause. Default {@link
         * Context#background()}.
         *
         * @throws NullPointerException if {@code parent} is null
         */
        public ServerInterceptorBuilder parent(Context parent) {
            this.parent = Objects.requireNonNull(parent, "parent");
            return this;
        }

        /** The interceptor. */
        public ServerInterceptor build() {
            Duration fallback = defaultTimeout.compareTo(maxTimeout) > 0 ? maxTimeout : defaultTimeout;
            return new ServerContextInterceptor(parent, maxTimeout, fallback);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
