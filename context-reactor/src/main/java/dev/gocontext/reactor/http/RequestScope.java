package dev.gocontext.reactor.http;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * One request's ctx, from {@link RequestContextFactory#open}, and how a server adapter runs the
 * handling under it ({@link #serve}).
 *
 * <pre>{@code
 * RequestScope scope = factory.open(timeoutHeaders, idHeaders);
 * response.header(GoContextHttp.REQUEST_ID, scope.requestId());
 * return scope.serve(handler.handle(request), () -> respond504());
 * }</pre>
 */
public final class RequestScope {
    private final CancellableContext ctx;
    private final String requestId;
    private final Duration timeout;
    private final boolean requestIdReplaced;

    RequestScope(CancellableContext ctx, String requestId, Duration timeout, boolean requestIdReplaced) {
        this.ctx = ctx;
        this.requestId = requestId;
        this.timeout = timeout;
        this.requestIdReplaced = requestIdReplaced;
    }

    /** The request ctx: its deadline, its request id under {@link GoContextHttp#REQUEST_ID_KEY}. */
    public CancellableContext ctx() {
        return ctx;
    }

    /** The request id to echo: the received one if it was safe, else a new one. */
    public String requestId() {
        return requestId;
    }

    /** The request's budget, after clamping. */
    public Duration timeout() {
        return timeout;
    }

    /** Whether a received request id was unsafe and replaced (it is not kept anywhere). */
    public boolean requestIdReplaced() {
        return requestIdReplaced;
    }

    /**
     * Runs {@code handling} under the request ctx:
     *
     * <ul>
     *   <li>the ctx is in the Reactor context of {@code handling} ({@link GoContext#with}), and
     *       {@code handling} is bound to it ({@link GoContext#deadlineOf(Mono)});
     *   <li>when the deadline passes first, {@code handling} is cancelled and {@code
     *       gatewayTimeout} (which answers {@code 504} if it still can) runs instead;
     *   <li>the ctx is canceled when the exchange ends: plainly when it completes or fails, with a
     *       {@link ClientDisconnectedException} cause when the server cancels it because the client
     *       went away.
     * </ul>
     *
     * @param handling the response being written
     * @param gatewayTimeout the response when the deadline passes first
     */
    public Mono<Void> serve(Mono<Void> handling, Supplier<Mono<Void>> gatewayTimeout) {
        return GoContext.deadlineOf(handling)
                .onErrorResume(this::deadlinePassed, e -> gatewayTimeout.get())
                .doFinally(this::end)
                .contextWrite(GoContext.with(ctx));
    }

    private boolean deadlinePassed(Throwable error) {
        return error == Context.DEADLINE_EXCEEDED || ctx.err() == Context.DEADLINE_EXCEEDED;
    }

    private void end(SignalType signal) {
        if (signal == SignalType.CANCEL) {
            ctx.cancel(new ClientDisconnectedException());
        } else {
            ctx.cancel();
        }
    }

    @Override
    public String toString() {
        return "RequestScope[" + requestId + ", " + timeout + "]";
    }
}
