package dev.gocontext.reactor.http;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
 * handling under it ({@link #serve}). It ends once, when the exchange that {@link #serve} runs ends:
 * then its ctx is canceled, {@link #outcome()} is set, and the factory's listeners are told.
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

    // Null while the request is in flight; set once, by the first end.
    private final AtomicReference<@Nullable RequestOutcome> outcome = new AtomicReference<>();

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

    /** Why the scope ended; empty while the request is in flight. */
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
     *   <li>the scope ends when the exchange ends: its ctx is canceled, plainly when the exchange
     *       completes or fails, with a {@link ClientDisconnectedException} cause when the client
     *       went away: the server cancelled the exchange, or {@code clientGone} says so when it
     *       ends (a server may end a response quietly when its client leaves).
     * </ul>
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
                .doFinally(signal -> end(signal == SignalType.CANCEL || clientWentAway))
                .contextWrite(GoContext.with(ctx));
    }

    private boolean deadlinePassed(Throwable error) {
        return error == Context.DEADLINE_EXCEEDED || ctx.err() == Context.DEADLINE_EXCEEDED;
    }

    private void end(boolean clientGone) {
        ContextException before = ctx.err();
        RequestOutcome why;
        if (before == Context.DEADLINE_EXCEEDED) {
            why = RequestOutcome.DEADLINE_EXCEEDED;
        } else if (before != null) {
            why = RequestOutcome.CANCELED;
        } else {
            why = clientGone ? RequestOutcome.CLIENT_DISCONNECTED : RequestOutcome.COMPLETED;
        }
        if (!outcome.compareAndSet(null, why)) {
            return;
        }
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
