package dev.gocontext.reactor.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.http.server.HttpServerResponse;

/**
 * What a server adapter needs of a Reactor Netty server connection beyond one request and its
 * response: the life of a WebSocket the handler started, whether the handling ended because the
 * client went away, whether Reactor Netty left a body behind unsent, and a way to end a response
 * that cannot end well. {@code GoContextHttpServer} and {@code GoContextWebFilter} (on Reactor
 * Netty) use it.
 *
 * <pre>{@code
 * RequestScope scope = requests.open(method, path, headers::getAll);
 * return scope.serve(
 *         ServerConnections.withWebSocket(response, handling),
 *         () -> response.hasSentHeaders() ? ServerConnections.abort(response) : send504(response),
 *         ServerConnections.clientGone(response));
 * }</pre>
 */
public final class ServerConnections {
    private ServerConnections() {}

    /**
     * {@code handling}, followed, if the handler upgraded the exchange to a WebSocket, by the life of
     * the WebSocket: the result then completes only when the connection closes (the session is
     * over), so a request ctx lasts as long as its WebSocket; if it is cancelled first (the request
     * ctx is done), it closes the connection.
     *
     * @throws NullPointerException if an argument is null
     */
    public static Mono<Void> withWebSocket(HttpServerResponse response, Mono<Void> handling) {
        Objects.requireNonNull(response, "response");
        return handling.then(Mono.defer(() -> whileUpgraded(response)));
    }

    /**
     * Tells, when asked, whether the client of {@code response} is gone: the connection the
     * response had when this was called is closed, and the exchange is not a WebSocket (whose end
     * always closes it). Reactor Netty completes a response stream quietly when its client leaves;
     * asked as the handling ends, this tells that apart from a response that ended on its own. Call
     * it before the handling starts: Reactor Netty detaches an exchange from its connection once it
     * is over.
     *
     * @throws NullPointerException if {@code response} is null
     */
    public static BooleanSupplier clientGone(HttpServerResponse response) {
        Objects.requireNonNull(response, "response");
        Channel connection = channelOf(response);
        return () -> !response.isWebsocket() && !connection.isActive();
    }

    /**
     * What releases a single-buffer body that Reactor Netty took from a write to {@code response} and
     * left behind, neither sent nor released. Reactor Netty does not write such a body when it takes
     * it: it keeps it as a prepared response, sent as the write completes, unless the exchange is
     * disposed by then (the client reset the stream, the deadline's abort closed the connection, or
     * the connection is closing on its event loop). Nothing sends or releases that body afterwards.
     * Call this before the handling starts, like {@link #clientGone}; call {@link
     * UnsentBodyRelease#afterWrite} as each such write ends.
     *
     * <pre>{@code
     * UnsentBodyRelease unsent = ServerConnections.unsentBodyRelease(response);
     * ByteBuf own = body.alloc().compositeBuffer(1).addComponent(true, body);
     * return response.send(Mono.just(own)).then()
     *         .doFinally(signal -> unsent.afterWrite(signal, () -> {
     *             if (own.refCnt() > 0) {
     *                 own.release();
     *             }
     *         }));
     * }</pre>
     *
     * @throws NullPointerException if {@code response} is null
     */
    public static UnsentBodyRelease unsentBodyRelease(HttpServerResponse response) {
        Channel connection = channelOf(response);
        return (signal, release) -> {
            if (response.hasSentHeaders()) {
                return; // the body went out, or is on its way: the write releases it
            }
            if (signal == SignalType.ON_COMPLETE || !connection.isActive()) {
                release.run();
                return;
            }
            // cancelled, or failed, with the connection still open: the write may be taking the
            // body on another thread. A cancelled write's exchange is being closed (by the client, or
            // by the deadline's abort): what is still unsent when it is closed never will be
            connection.closeFuture().addListener(closed -> {
                if (!response.hasSentHeaders()) {
                    release.run();
                }
            });
        };
    }

    /**
     * Releases a single-buffer body that a write to a Reactor Netty response took and left behind
     * ({@link ServerConnections#unsentBodyRelease}).
     */
    @FunctionalInterface
    public interface UnsentBodyRelease {
        /**
         * Called as a write of a single-buffer body ends with {@code signal}: runs {@code release}
         * if nothing of the response has gone out and the write completed (it completes only once
         * Reactor Netty has sent or kept the body) or the connection has gone; if the write was
         * cancelled or failed on a connection still open, runs it when the connection closes, if
         * nothing has gone out by then. {@code release} must tolerate a body already released
         * (Reactor Netty may release what it leaves behind first): release the body behind a
         * reference count of its own, such as a composite of one component, since a pooled buffer's
         * object is recycled once released.
         */
        void afterWrite(SignalType signal, Runnable release);
    }

    /**
     * Closes the connection of {@code response}, quietly: for a response whose headers are sent and
     * that cannot be completed (the client sees it cut short). Completes once the connection is
     * closed.
     *
     * @throws NullPointerException if {@code response} is null
     */
    public static Mono<Void> abort(HttpServerResponse response) {
        Objects.requireNonNull(response, "response");
        return Mono.create(sink -> response.withConnection(connection -> {
            Channel channel = connection.channel();
            if (!channel.isActive()) {
                sink.success(); // closed already (the exchange may be detached from it)
                return;
            }
            channel.close().addListener(closed -> sink.success());
        }));
    }

    private static Channel channelOf(HttpServerResponse response) {
        Objects.requireNonNull(response, "response");
        AtomicReference<Channel> channel = new AtomicReference<>();
        response.withConnection(connection -> channel.set(connection.channel()));
        return Objects.requireNonNull(channel.get(), "the response has no connection");
    }

    private static Mono<Void> whileUpgraded(HttpServerResponse response) {
        if (!response.isWebsocket()) {
            return Mono.empty();
        }
        return Mono.create(sink -> response.withConnection(connection -> {
            Channel channel = connection.channel();
            ChannelFutureListener closed = future -> sink.success();
            channel.closeFuture().addListener(closed);
            sink.onCancel(() -> {
                channel.closeFuture().removeListener(closed);
                close(channel);
            });
        }));
    }

    @SuppressWarnings("FutureReturnValueIgnored") // nothing waits for it: the closeFuture is observed
    private static void close(Channel channel) {
        channel.close();
    }
}
