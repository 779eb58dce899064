package dev.gocontext.reactor.netty;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.Operators;
import reactor.netty.Connection;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Runs the cancel of one Reactor Netty call on the event loop of the call's connection, so that a
 * cancel made on another thread (a ctx ended by a timer, a {@code take(Duration)}, a {@code
 * timeout}) cannot close the connection after it went back to the pool.
 *
 * <p>Why: Reactor Netty cancels a call that has no response yet by closing its connection, and a
 * close asked for off the event loop runs there later. If the response is read in between, the
 * exchange ends and the connection goes back to the pool; the next call takes it and sends its
 * request, and then the late close cuts that call off ("Connection prematurely closed BEFORE
 * response"), a call nobody canceled. Run on the event loop, the cancel is ordered with the reads:
 * it finds the exchange still going and ends it, or finds it over and does nothing.
 *
 * <p>Signals: every signal of the call is passed on unchanged until the downstream cancels. From
 * then on nothing more reaches the downstream: a response that arrives before the cancel has run
 * (the call was canceled as it was being answered) is disposed on the spot, on the event loop
 * (closing an HTTP/1.1 connection whose response is still coming, resetting an HTTP/2 stream), and
 * is then discarded; an error is shown at DEBUG; a completion is dropped. Before a connection is
 * {@linkplain #bind bound} (the call still waits for one), the cancel runs at once, on the caller's
 * thread.
 *
 * <p>One instance serves one subscription of one call: bind it to the connection of each request
 * the call sends (a redirect sends another), from {@code doOnRequest}:
 *
 * <pre>{@code
 * EventLoopCancel onLoop = EventLoopCancel.create();
 * Mono<String> body = onLoop.apply(client.doOnRequest((request, connection) -> onLoop.bind(connection))
 *         .get().uri("http://prices.internal/eur").responseSingle((response, bytes) -> bytes.asString()));
 * }</pre>
 *
 * {@code GoContextHttpClient} and {@code GoContextExchangeFilter} (on Reactor Netty's connector) do
 * this for every call they bind to a ctx.
 */
public final class EventLoopCancel {
    private static final Logger LOG = Loggers.getLogger(EventLoopCancel.class);

    /** The connection of the request sent last; null until the call has one. Written by the event loop. */
    private volatile @Nullable Connection connection;

    private EventLoopCancel() {}

    /** A new instance, for one subscription of one call. */
    public static EventLoopCancel create() {
        return new EventLoopCancel();
    }

    /**
     * The call's request is about to be sent on {@code connection}: from now on its cancel runs on
     * that connection's event loop.
     *
     * @throws NullPointerException if {@code connection} is null
     */
    public void bind(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    /** The connection of the request sent last ({@link #bind}), or null before the call has one. */
    public @Nullable Connection connection() {
        return connection;
    }

    /**
     * {@code call}, whose cancel runs on the event loop of the connection last {@linkplain #bind
     * bound}.
     *
     * @throws NullPointerException if {@code call} is null
     */
    public <T> Mono<T> apply(Mono<T> call) {
        return new MonoCancelOnLoop<>(Objects.requireNonNull(call, "call"), this);
    }

    /** Runs {@code cancel} on the bound connection's event loop, or here if there is none or it is that loop. */
    private void cancel(Subscription upstream) {
        Connection bound = connection;
        EventLoop loop = bound == null ? null : eventLoopOf(bound);
        if (loop == null || loop.inEventLoop()) {
            upstream.cancel();
            return;
        }
        try {
            loop.execute(upstream::cancel);
        } catch (RejectedExecutionException shutDown) {
            upstream.cancel(); // the loop is gone, and with it every read that could race
        }
    }

    /** The event loop of {@code connection}'s channel; null if the channel has none, so no read can race. */
    private static @Nullable EventLoop eventLoopOf(Connection connection) {
        Channel channel = connection.channel();
        if (!channel.isRegistered()) {
            return null;
        }
        try {
            return channel.eventLoop();
        } catch (IllegalStateException deregisteredMeanwhile) {
            return null;
        }
    }

    /** Ends the exchange of a response that came after the downstream canceled. */
    private void disposeAnswered() {
        Connection bound = connection;
        if (bound != null) {
            bound.dispose();
        }
    }

    private static final class MonoCancelOnLoop<T> extends MonoOperator<T, T> {
        private final EventLoopCancel owner;

        MonoCancelOnLoop(Mono<? extends T> source, EventLoopCancel owner) {
            super(source);
            this.owner = owner;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            source.subscribe(new CancelOnLoopSubscriber<>(actual, owner));
        }
    }

    private static final class CancelOnLoopSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {
        private final CoreSubscriber<? super T> actual;
        private final EventLoopCancel owner;

        /** Set once, in onSubscribe, before any other signal. */
        private @Nullable Subscription upstream;

        /** Set once by cancel(); from then on no signal reaches actual. */
        private volatile boolean cancelled;

        CancelOnLoopSubscriber(CoreSubscriber<? super T> actual, EventLoopCancel owner) {
            this.actual = actual;
            this.owner = owner;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(T value) {
            if (cancelled) {
                owner.disposeAnswered();
                Operators.onDiscard(value, actual.currentContext());
                return;
            }
            actual.onNext(value);
        }

        @Override
        public void onError(Throwable error) {
            if (cancelled) {
                LOG.debug("A call canceled before its cancel ran on the event loop ended with an error", error);
                return;
            }
            actual.onError(error);
        }

        @Override
        public void onComplete() {
            if (!cancelled) {
                actual.onComplete();
            }
        }

        @Override
        public void request(long n) {
            Objects.requireNonNull(upstream, "request before onSubscribe").request(n);
        }

        @Override
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                owner.cancel(Objects.requireNonNull(upstream, "cancel before onSubscribe"));
            }
        }

        @Override
        public reactor.util.context.Context currentContext() {
            return actual.currentContext();
        }

        @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
        @Override
        public @Nullable Object scanUnsafe(Attr key) {
            if (key == Attr.PARENT) {
                return upstream;
            }
            if (key == Attr.ACTUAL) {
                return actual;
            }
            if (key == Attr.CANCELLED) {
                return cancelled;
            }
            if (key == Attr.RUN_STYLE) {
                return Attr.RunStyle.SYNC;
            }
            return null;
        }
    }
}
