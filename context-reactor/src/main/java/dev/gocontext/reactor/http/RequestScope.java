package dev.gocontext.reactor.http;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;

/**
 * One request's ctx, from {@link RequestContextFactory#open}, and how a server adapter runs the
 * handling under it ({@link #serve}). Its {@link #outcome()} is decided when the exchange that
 * {@link #serve} runs signals its end (completion, error, or cancel), before that signal goes on, so
 * that whatever observes the end of the exchange reads it; then, once the exchange is over, the
 * scope ends once: its ctx is canceled and the factory's listeners are told.
 *
 * <pre>{@code
 * RequestScope scope = factory.open(method, path, headers::getAll);
 * response.header(factory.requestIdHeader(), scope.requestId());
 * return scope.serve(handler.handle(request), () -> respond504());
 * }</pre>
 */
public final class RequestScope {
    private final CancellableContext ctx;
    private final String requestId;
    private final Duration timeout;
    private final boolean deadline;
    private final boolean requestIdReplaced;
    private final String method;
    private final String path;
    private final long startNanos;
    private final List<RequestListener> listeners;

    private static final BooleanSupplier NEVER_GONE = () -> false;

    // Whether the client was gone when the handling ended: written before the end reads it.
    private volatile boolean clientWentAway;

    // Whether the handling failed once the deadline had passed on the ctx's clock, before the ctx's
    // timer fired: false -> true once, before the outcome is decided.
    private volatile boolean failedPastDeadline;

    // Null while the request is in flight; set once, at the exchange's terminal signal or cancel
    // (the first of them wins), always before `ended` becomes true.
    private final AtomicReference<@Nullable RequestOutcome> outcome = new AtomicReference<>();

    // Whether the scope has ended (ctx canceled, listeners told): false -> true once.
    private final AtomicBoolean ended = new AtomicBoolean();

    private RequestScope(
            CancellableContext ctx,
            String requestId,
            Duration timeout,
            boolean deadline,
            boolean requestIdReplaced,
            String method,
            String path,
            List<RequestListener> listeners) {
        this.ctx = ctx;
        this.requestId = requestId;
        this.timeout = timeout;
        this.deadline = deadline;
        this.requestIdReplaced = requestIdReplaced;
        this.method = method;
        this.path = path;
        this.listeners = listeners;
        this.startNanos = System.nanoTime();
    }

    /** A new scope, its listeners told that it is open. */
    static RequestScope open(
            CancellableContext ctx,
            String requestId,
            Duration timeout,
            boolean deadline,
            boolean requestIdReplaced,
            String method,
            String path,
            List<RequestListener> listeners) {
        RequestScope scope =
                new RequestScope(ctx, requestId, timeout, deadline, requestIdReplaced, method, path, listeners);
        scope.tell(listener -> listener.opened(scope));
        return scope;
    }

    /** The request ctx: its deadline (if any), its request id under {@link GoContextHttp#REQUEST_ID_KEY}. */
    public CancellableContext ctx() {
        return ctx;
    }

    /** The request id to echo: the received one if it was safe, else a new one. */
    public String requestId() {
        return requestId;
    }

    /**
     * The request's budget, after clamping, if it {@linkplain #hasDeadline() has a deadline};
     * {@link Duration#ZERO} if it has none.
     */
    public Duration timeout() {
        return timeout;
    }

    /** Whether the request has a deadline (its route, or its being a stream, may say it has none). */
    public boolean hasDeadline() {
        return deadline;
    }

    /** Whether a received request id was unsafe and replaced (it is not kept anywhere). */
    public boolean requestIdReplaced() {
        return requestIdReplaced;
    }

    /** The request method, as received; empty if the scope was opened without one. */
    public String method() {
        return method;
    }

    /** The request path without query string; empty if the scope was opened without one. */
    public String path() {
        return path;
    }

    /** {@link System#nanoTime()} when the scope was opened. */
    public long startNanos() {
        return startNanos;
    }

    /** The time since the scope was opened. */
    public Duration age() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /**
     * Why the request ended; empty while the request is in flight. It is set when the exchange
     * that {@link #serve} runs completes, fails or is cancelled, before that signal reaches
     * anything downstream of {@code serve} (a server's observation of the request stopped at its
     * completion reads it), and before the ctx is canceled and the listeners are told.
     */
    public Optional<RequestOutcome> outcome() {
        return Optional.ofNullable(outcome.get());
    }

    /**
     * Runs {@code handling} under the request ctx: {@link #serve(Mono, Supplier, BooleanSupplier)}
     * for a server that reports a client going away only by cancelling the exchange.
     *
     * @param handling the response being written
     * @param gatewayTimeout the response when the deadline passes first
     */
    public Mono<Void> serve(Mono<Void> handling, Supplier<Mono<Void>> gatewayTimeout) {
        return serve(handling, gatewayTimeout, NEVER_GONE);
    }

    /**
     * Runs {@code handling} under the request ctx:
     *
     * <ul>
     *   <li>the ctx is in the Reactor context of {@code handling} ({@link GoContext#with}), and
     *       {@code handling} is bound to it ({@link GoContext#deadlineOf(Mono)});
     *   <li>when the deadline passes first, {@code handling} is cancelled and {@code
     *       gatewayTimeout} (which answers {@code 504} if it still can) runs instead;
     *   <li>at the exchange's terminal signal ({@code onComplete}, {@code onError}) or its cancel,
     *       before the signal goes on, {@link #outcome()} is decided: {@link
     *       RequestOutcome#DEADLINE_EXCEEDED} or {@link RequestOutcome#CANCELED} when the ctx is
     *       done already, else {@link RequestOutcome#CLIENT_DISCONNECTED} when the client went away
     *       (the server cancelled the exchange, or {@code clientGone} says so when it ends: a server
     *       may end a response quietly when its client leaves), else {@link
     *       RequestOutcome#COMPLETED};
     *   <li>the scope ends once the exchange is over (after the terminal signal went on, or after
     *       the cancel reached the handling): its ctx is canceled, plainly, or with a {@link
     *       ClientDisconnectedException} cause when the client went away, then the listeners are
     *       told {@link RequestListener#ended}.
     * </ul>
     *
     * <p>A cancel travels from the server towards the handling: what observes it further out (a
     * server's observation stopped by the cancel) sees it before the scope does, with the outcome
     * still empty; such an observer reads the cancel itself (the client went away) unless the ctx
     * says otherwise.
     *
     * @param handling the response being written
     * @param gatewayTimeout the response when the deadline passes first
     * @param clientGone asked once when {@code handling} completes or fails: whether the client is
     *     gone (e.g. its connection is closed)
     */
    public Mono<Void> serve(Mono<Void> handling, Supplier<Mono<Void>> gatewayTimeout, BooleanSupplier clientGone) {
        // asked as handling ends, before the server sees the end (and may release the connection)
        Mono<Void> observed = clientGone == NEVER_GONE
                ? handling
                : handling.doOnTerminate(() -> clientWentAway = clientGone.getAsBoolean());
        return GoContext.deadlineOf(observed)
                .onErrorResume(this::deadlinePassed, e -> gatewayTimeout.get())
                // decided before the terminal signal goes on, so that whatever observes the end
                // downstream (a server's observation, its metrics) reads it
                .doOnTerminate(() -> decide(clientWentAway))
                .doOnCancel(() -> decide(true))
                .doFinally(signal -> end(signal == SignalType.CANCEL || clientWentAway))
                .contextWrite(GoContext.with(ctx));
    }

    /**
     * Whether the handling failed of the deadline: with {@link Context#DEADLINE_EXCEEDED}, or once
     * the ctx is done with it, or once it has passed on the ctx's clock though the ctx's timer has
     * not fired yet (a downstream call that ran out of the same budget fails at that instant).
     */
    private boolean deadlinePassed(Throwable error) {
        if (error == Context.DEADLINE_EXCEEDED || ctx.err() == Context.DEADLINE_EXCEEDED) {
            return true;
        }
        if (GoContextHttp.deadlinePassedBeforeItsTimer(ctx)) {
            failedPastDeadline = true;
            return true;
        }
        return false;
    }

    /**
     * Sets the outcome, unless it is set already: from the ctx's error first (a ctx already done, or
     * a handling that failed past the deadline, wins over how the exchange ended), else from whether
     * the client went away.
     */
    private void decide(boolean clientGone) {
        ContextException before = ctx.err();
        RequestOutcome why;
        if (before == Context.DEADLINE_EXCEEDED || failedPastDeadline) {
            why = RequestOutcome.DEADLINE_EXCEEDED;
        } else if (before != null) {
            why = RequestOutcome.CANCELED;
        } else {
            why = clientGone ? RequestOutcome.CLIENT_DISCONNECTED : RequestOutcome.COMPLETED;
        }
        outcome.compareAndSet(null, why);
    }

    /** Ends the scope once the exchange is over: cancels the ctx, then tells the listeners. */
    private void end(boolean clientGone) {
        decide(clientGone); // a no-op after the terminal signal or the cancel
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        RequestOutcome why = Objects.requireNonNull(outcome.get());
        if (why == RequestOutcome.CLIENT_DISCONNECTED) {
            ctx.cancel(new ClientDisconnectedException());
        } else {
            ctx.cancel();
        }
        tell(listener -> listener.ended(this, why));
    }

    /** Tells every listener, in order; one that throws does not stop the others. */
    private void tell(Consumer<RequestListener> event) {
        for (RequestListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                Operators.onErrorDropped(e, reactor.util.context.Context.empty());
            }
        }
    }

    @Override
    public String toString() {
        String budget = deadline ? timeout.toString() : "no deadline";
        String where = method.isEmpty() ? "" : method + " " + path + ", ";
        return "RequestScope[" + where + requestId + ", " + budget
                + outcome().map(o -> ", " + o.tagValue()).orElse("") + "]";
    }
}
