package dev.gocontext.reactor.web;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.netty.EventLoopCancel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientRequest;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A {@code WebClient} filter that carries the subscriber's ctx to the server called, by gocontext's
 * HTTP conventions ({@code GoContextHttp}):
 *
 * <ul>
 *   <li>to allowed hosts only, the request carries {@code X-Request-Timeout} (the ctx's remaining
 *       time in milliseconds) and {@code X-Request-ID} (the ctx's request id); to other hosts it
 *       carries neither, even if the caller set them. On Reactor Netty's connector this holds for
 *       every redirect it follows: each hop gets the headers for its own host, with the time
 *       remaining then (other connectors that follow redirects themselves may repeat the first
 *       request's headers: let them not follow redirects to other hosts);
 *   <li>the exchange and the response body are bound to the ctx ({@code GoContext.deadlineOf}):
 *       when the ctx is done, the call is cancelled (closing the connection over HTTP/1.1,
 *       resetting only the call's stream over HTTP/2, so the server sees its client go away) and
 *       fails with {@code ctx.err()}; a body that the ctx ends before it is
 *       read is still cancelled, so its connection goes back to the pool. On Reactor Netty's
 *       connector the exchange's cancel, whoever makes it, runs on its connection's event loop
 *       ({@code dev.gocontext.reactor.netty.EventLoopCancel}), so that a cancel from another
 *       thread never closes a connection that went back to the pool meanwhile, and each buffer
 *       of the body has a reference count of its own, so that a buffer the ctx's end discards is
 *       released once, however many discard hooks of the reading chain release it;
 *   <li>a call or body that fails once the ctx's deadline has passed on its clock, before the ctx's
 *       timer fires (the server called ran out of the same budget and closed the connection, say),
 *       fails with {@code Context.DEADLINE_EXCEEDED} ({@code GoContextHttp.callError}).
 * </ul>
 *
 * <pre>{@code
 * WebClient prices = WebClient.builder()
 *         .baseUrl("http://prices.internal")
 *         .filter(new GoContextExchangeFilter(OutboundPropagation.toHosts("prices.internal")))
 *         .build();
 * // in a handler running under GoContextWebFilter: the call gets the request's remaining budget
 * Mono<String> eur = prices.get().uri("/eur").retrieve().bodyToMono(String.class);
 * }</pre>
 */
public final class GoContextExchangeFilter implements ExchangeFilterFunction {
    private static final boolean REACTOR_NETTY = ClassUtils.isPresent(
            "reactor.netty.http.client.HttpClientRequest", GoContextExchangeFilter.class.getClassLoader());

    /**
     * The {@code ClientRequest} attribute under which the filter stores the call's ctx (a {@code
     * dev.gocontext.Context}), e.g. for a client observation convention.
     */
    public static final String CTX_ATTRIBUTE = GoContextExchangeFilter.class.getName() + ".ctx";

    private final OutboundPropagation propagation;

    /**
     * Propagation to the hosts {@code propagation} allows.
     *
     * @throws NullPointerException if {@code propagation} is null
     */
    public GoContextExchangeFilter(OutboundPropagation propagation) {
        this.propagation = Objects.requireNonNull(propagation, "propagation");
    }

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        return Mono.deferContextual(view -> {
            Context ctx = GoContext.from(view);
            AtomicBoolean answered = new AtomicBoolean();
            // on Reactor Netty's connector, an EventLoopCancel: bound to the native request of each
            // hop sent (set by the connector, read on cancel)
            @Nullable Object onLoop = REACTOR_NETTY ? OnReactorNetty.newCancelOnLoop() : null;
            ClientRequest outgoing = ClientRequest.from(request)
                    .headers(this::strip)
                    .httpRequest(http -> {
                        propagate(http, ctx);
                        if (REACTOR_NETTY) {
                            OnReactorNetty.bind(onLoop, http);
                        }
                    })
                    .attribute(CTX_ATTRIBUTE, ctx)
                    .build();
            // A cancel that reaches Reactor Netty's connector after the response arrived but before
            // it is handed on makes the connector read the body to its end in the background, which
            // over HTTP/2 keeps the stream open (and the server's handler running) for as long as
            // the body goes on: a call its ctx ends there is reset first, and that read finds nothing.
            Runnable resetNow = () -> {
                if (REACTOR_NETTY) {
                    OnReactorNetty.resetStream(onLoop);
                }
            };
            Mono<ClientResponse> sent = next.exchange(outgoing);
            Mono<ClientResponse> exchange = (REACTOR_NETTY ? OnReactorNetty.cancelOnLoop(onLoop, sent) : sent)
                    .doOnNext(response -> answered.set(true))
                    .doOnCancel(() -> {
                        if (!answered.get() && ctx.err() != null) {
                            resetNow.run();
                        }
                    });
            return GoContext.deadlineOf(exchange)
                    .onErrorMap(e -> GoContextHttp.callError(ctx, e))
                    // a response that lost the race with the ctx is dropped unread: reset it too
                    .doOnDiscard(ClientResponse.class, response -> resetNow.run())
                    .map(response ->
                            response.mutate().body(body -> bound(body, ctx)).build());
        });
    }

    private void strip(HttpHeaders headers) {
        headers.remove(propagation.timeoutHeader());
        headers.remove(propagation.requestIdHeader());
    }

    /**
     * Sets the headers on the request about to be sent. Run for every request sent, each redirect
     * hop included (the connector calls it again): on Reactor Netty, for the host of that hop and
     * with the time remaining then, replacing whatever the previous hop carried; on another
     * connector, for the host of the request's URI.
     */
    private void propagate(ClientHttpRequest http, Context ctx) {
        strip(http.getHeaders());
        if (REACTOR_NETTY && OnReactorNetty.propagate(http, propagation, ctx)) {
            return;
        }
        propagation.headersFor(ctx, http.getURI().getHost()).forEach(http.getHeaders()::set);
    }

    /**
     * The response body, bound to the call's ctx. The real body is subscribed in every case: if the
     * ctx is done before the body is read (or released: WebClient releases a body through the same
     * publisher), it is subscribed and cancelled at once, which gives the connection back, before
     * the reader gets {@code ctx.err()}; so it is if the reader cancels before the real body was
     * subscribed (a reader that cancels as it subscribes gets no error from a ctx done already).
     */
    private static Flux<DataBuffer> bound(Flux<DataBuffer> body, Context ctx) {
        return Flux.defer(() -> {
            AtomicBoolean subscribed = new AtomicBoolean();
            Runnable giveBack = () -> {
                if (subscribed.compareAndSet(false, true)) {
                    body.subscribe(new CancelAtOnce());
                }
            };
            Flux<DataBuffer> read =
                    body.doOnSubscribe(s -> subscribed.set(true)).contextWrite(LateBodyErrors::installIn);
            // a body read in a handler is under two discard hooks that each release a buffer
            // (the codec's and Spring's response writer's): its own count makes the second a no-op
            return GoContext.deadlineOf(read.map(OwnReferenceCount::of))
                    .contextWrite(GoContext.with(ctx))
                    .onErrorMap(e -> GoContextHttp.callError(ctx, e))
                    .doOnError(e -> giveBack.run())
                    .concatWith(Mono.defer(() -> endedBy(ctx)))
                    .doOnCancel(giveBack);
        });
    }

    /**
     * After the body completed: {@code ctx.err()} if the ctx is done, else nothing. Reactor Netty
     * answers the cancel of a body with a completion, which could otherwise reach the reader as the
     * end of a body the ctx cut short.
     */
    private static Mono<DataBuffer> endedBy(Context ctx) {
        ContextException err = ctx.err();
        return err == null ? Mono.empty() : Mono.error(err);
    }

    /**
     * The Reactor Netty side of a request, when the connector is Reactor Netty's. Only this class
     * names Reactor Netty's types, and it is loaded only when Reactor Netty is on the class path.
     */
    private static final class OnReactorNetty {
        private OnReactorNetty() {}

        /**
         * Resets the HTTP/2 stream of the hop last sent ({@code onLoop}, an {@code EventLoopCancel},
         * is bound to its native request). An HTTP/1.1 connection is left to Reactor Netty: the
         * connector may already have read its body to the end and given it back to the pool, where
         * the next call may use it.
         */
        static void resetStream(@Nullable Object onLoop) {
            Connection sent = onLoop instanceof EventLoopCancel cancel ? cancel.connection() : null;
            if (sent != null && sent.channel() instanceof Http2StreamChannel) {
                sent.dispose();
            }
        }

        /** A new {@code EventLoopCancel}, typed as Object so that the filter names no Reactor Netty type. */
        static Object newCancelOnLoop() {
            return EventLoopCancel.create();
        }

        /** Binds {@code onLoop} (an {@code EventLoopCancel}) to the native request's connection, if it has one. */
        static void bind(@Nullable Object onLoop, ClientHttpRequest http) {
            if (onLoop instanceof EventLoopCancel cancel && http.getNativeRequest() instanceof Connection connection) {
                cancel.bind(connection);
            }
        }

        /**
         * The exchange, whose cancel runs on its connection's event loop: a cancel from another
         * thread could otherwise close the connection after it went back to the pool, under the
         * next call.
         */
        static Mono<ClientResponse> cancelOnLoop(@Nullable Object onLoop, Mono<ClientResponse> exchange) {
            return onLoop instanceof EventLoopCancel cancel ? cancel.apply(exchange) : exchange;
        }

        /** Sets the headers for this hop on the native request; false if it is not Reactor Netty's. */
        static boolean propagate(ClientHttpRequest http, OutboundPropagation propagation, Context ctx) {
            Object nativeRequest = http.getNativeRequest();
            if (!(nativeRequest instanceof HttpClientRequest netty)) {
                return false;
            }
            io.netty.handler.codec.http.HttpHeaders headers = netty.requestHeaders();
            headers.remove(propagation.timeoutHeader());
            headers.remove(propagation.requestIdHeader());
            propagation.headersForUrl(ctx, netty.resourceUrl()).forEach(headers::set);
            return true;
        }
    }

    /**
     * Subscribes to cancel at once, requesting nothing: Reactor Netty then gives the connection
     * back. A body already released (the connector does it when the exchange is cancelled before
     * the body is read) answers with an error: it has nothing more to give back.
     */
    private static final class CancelAtOnce extends BaseSubscriber<DataBuffer> {
        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.cancel();
        }

        @Override
        protected void hookOnError(Throwable alreadyReleased) {}

        @Override
        public reactor.util.context.Context currentContext() {
            return LateBodyErrors.ALONE;
        }
    }

    /**
     * The {@code onErrorDropped} hook of a response body's own operators: what they drop is shown
     * at DEBUG. They drop an error that comes after the body has failed already, of no use to
     * anyone: Spring's Reactor Netty connector refuses a body it released itself (its drain holds
     * Reactor Netty's only receiver), and Reactor Netty then refuses the same subscription with an
     * error of its own, which reaches an operator of the connector that has failed already.
     * Reactor reads the hook from the subscriber's context under {@value #KEY}, a key it keeps
     * package-private ({@code DroppedCtxErrorsTest} fails if Reactor stops honouring it).
     */
    private static final class LateBodyErrors implements Consumer<Throwable> {
        private static final String KEY = "reactor.onErrorDropped.local";
        private static final LateBodyErrors INSTANCE = new LateBodyErrors();
        private static final Logger LOG = Loggers.getLogger(GoContextExchangeFilter.class);
        /** A context with this hook alone. */
        static final reactor.util.context.Context ALONE = installIn(reactor.util.context.Context.empty());

        static reactor.util.context.Context installIn(reactor.util.context.Context reactorContext) {
            return reactorContext.put(KEY, INSTANCE);
        }

        @Override
        public void accept(Throwable dropped) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("a response body failed after it had failed already; ignored", dropped);
            }
        }
    }
}
