package dev.gocontext.reactor.netty;

import dev.gocontext.reactor.http.ResponseClaim;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.NettyOutbound;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The response as the handler sees it behind {@link GoContextHttpServer}: the handler and the
 * deadline's {@code 504} race for it, and exactly one of them ever writes to the real response.
 *
 * <p>The handler claims the response with the first signal of a body it sends (handlers call
 * {@code send} early, with a body that is not there yet), or by subscribing to a send of headers, a
 * redirect, a 404, a file or a WebSocket; the deadline claims it before writing its {@code 504}. A
 * handler cancelled by the deadline may still be running on another thread. Once the deadline owns
 * the response, such late work reaches nothing of it: its status, headers (also through the header
 * map it took before), cookies and other settings are discarded, its sends complete without
 * writing, and the buffers they carry are released, so it neither spoils the {@code 504} nor fails
 * on it. {@code withConnection} still hands over the connection: what is done with it directly is
 * the handler's business.
 */
final class ClaimedResponse implements HttpServerResponse {
    private final HttpServerResponse real;

    // Who writes the real response, the handler or the deadline; it also guards the handler's
    // changes of status, headers, cookies and settings against the deadline's claim.
    private final ResponseClaim claim = new ResponseClaim();

    private final GuardedHeaders headers = new GuardedHeaders();

    // What late handler code changes once the deadline owns the response; created on first use,
    // with no claim happening.
    private @Nullable HttpHeaders discardedHeaders;

    // Releases a single item that Reactor Netty took from a write and left behind, unsent.
    private final ServerConnections.UnsentBodyRelease unsent;

    ClaimedResponse(HttpServerResponse real) {
        this(real, (signal, release) -> {});
    }

    /** {@code unsent}: releases a single item Reactor Netty took and left behind, unsent. */
    ClaimedResponse(HttpServerResponse real, ServerConnections.UnsentBodyRelease unsent) {
        this.real = real;
        this.unsent = unsent;
    }

    /**
     * The deadline's claim.
     *
     * @return true if the handler has not claimed the response: the caller alone writes the 504,
     *     to the real response, and no change of the handler's reaches it any more
     */
    boolean claimForDeadline() {
        return claim.forDeadline();
    }

    /** Applies a change of the handler's to the real response, unless the deadline owns it. */
    private ClaimedResponse change(Consumer<HttpServerResponse> change) {
        claim.change(() -> change.accept(real));
        return this;
    }

    // ------------------------------------------------------------ status, headers, cookies, settings

    @Override
    public HttpServerResponse addCookie(Cookie cookie) {
        return change(r -> r.addCookie(cookie));
    }

    @Override
    public HttpServerResponse addHeader(CharSequence name, CharSequence value) {
        return change(r -> r.addHeader(name, value));
    }

    @Override
    public HttpServerResponse chunkedTransfer(boolean chunked) {
        return change(r -> r.chunkedTransfer(chunked));
    }

    @Override
    public HttpServerResponse compression(boolean compress) {
        return change(r -> r.compression(compress));
    }

    @Override
    public HttpServerResponse header(CharSequence name, CharSequence value) {
        return change(r -> r.header(name, value));
    }

    @Override
    public HttpServerResponse headers(HttpHeaders headers) {
        return change(r -> r.headers(headers));
    }

    @Override
    public HttpServerResponse keepAlive(boolean keepAlive) {
        return change(r -> r.keepAlive(keepAlive));
    }

    @Override
    public HttpServerResponse sse() {
        return change(HttpServerResponse::sse);
    }

    @Override
    public HttpServerResponse status(HttpResponseStatus status) {
        return change(r -> r.status(status));
    }

    @Override
    public HttpServerResponse trailerHeaders(Consumer<? super HttpHeaders> trailerHeaders) {
        return change(r -> r.trailerHeaders(trailerHeaders));
    }

    @Override
    public HttpHeaders responseHeaders() {
        return headers;
    }

    @Override
    public HttpServerResponse withConnection(Consumer<? super Connection> withConnection) {
        real.withConnection(withConnection);
        return this;
    }

    // ------------------------------------------------------------------------------------- sends

    @Override
    public NettyOutbound send(Publisher<? extends ByteBuf> dataStream) {
        // Reactor Netty sends a single-buffer body as a full response with its length
        return then(claimed(dataStream, body -> real.send(body).then()));
    }

    @Override
    public NettyOutbound send(Publisher<? extends ByteBuf> dataStream, Predicate<ByteBuf> predicate) {
        return then(claimed(dataStream, body -> real.send(body, predicate).then()));
    }

    @Override
    public NettyOutbound sendObject(Publisher<?> dataStream, Predicate<Object> predicate) {
        return then(claimed(dataStream, body -> real.sendObject(body, predicate).then()));
    }

    @Override
    public NettyOutbound sendObject(Object message) {
        if (message instanceof ByteBuf buffer) {
            // the same full response as a single-buffer send, and the same hand-over
            return send(Mono.just(buffer));
        }
        return then(Mono.defer(() -> {
            if (claim.forHandler()) {
                return real.sendObject(message).then();
            }
            ReferenceCountUtil.release(message);
            return Mono.empty();
        }));
    }

    @Override
    public <S> NettyOutbound sendUsing(
            Callable<? extends S> sourceInput,
            BiFunction<? super Connection, ? super S, ?> mappedInput,
            Consumer<? super S> sourceCleanup) {
        return then(whenClaimed(
                () -> real.sendUsing(sourceInput, mappedInput, sourceCleanup).then()));
    }

    @Override
    public NettyOutbound sendFile(Path file, long position, long count) {
        return then(whenClaimed(() -> real.sendFile(file, position, count).then()));
    }

    @Override
    public NettyOutbound sendFileChunked(Path file, long position, long count) {
        return then(
                whenClaimed(() -> real.sendFileChunked(file, position, count).then()));
    }

    @Override
    public NettyOutbound sendHeaders() {
        return then(whenClaimed(() -> real.sendHeaders().then()));
    }

    @Override
    public Mono<Void> send() {
        return whenClaimed(real::send);
    }

    @Override
    public Mono<Void> sendNotFound() {
        return whenClaimed(real::sendNotFound);
    }

    @Override
    public Mono<Void> sendRedirect(String location) {
        return whenClaimed(() -> real.sendRedirect(location));
    }

    @Override
    public Mono<Void> sendWebsocket(
            BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
            WebsocketServerSpec spec) {
        return whenClaimed(() -> real.sendWebsocket(handler, spec));
    }

    /** {@code send}, on subscription, if the handler can claim the response; else nothing. */
    private Mono<Void> whenClaimed(java.util.function.Supplier<Mono<Void>> send) {
        return Mono.defer(() -> claim.forHandler() ? send.get() : Mono.empty());
    }

    /**
     * Writes {@code data} with {@code write} if its first signal finds the response unclaimed or the
     * handler's; else releases what it carries, unwritten. A single-item body stays a {@code Mono}
     * (Reactor Netty then sends a full response with its length).
     */
    private <T> Mono<Void> claimed(Publisher<? extends T> data, Function<Publisher<T>, Mono<Void>> write) {
        if (data instanceof Mono<? extends T> single) {
            // the item goes on in the same onNext that brings it. A cancel can still come first
            // (the client leaves while the item is on its way), and then the write is cancelled
            // before it takes the item: whatever the write has not taken is released when it ends.
            return Mono.defer(() -> {
                AtomicBoolean received = new AtomicBoolean();
                return single.<Void>flatMap(item -> {
                            received.set(true);
                            if (claim.forHandler()) {
                                return handOver(item, write);
                            }
                            ReferenceCountUtil.release(item);
                            return Mono.empty();
                        })
                        .then(Mono.defer(() ->
                                !received.get() && claim.forHandler() ? write.apply(Mono.empty()) : Mono.empty()));
            });
        }
        return Flux.<T>from(data)
                .switchOnFirst((first, flux) -> claim.forHandler()
                        ? write.apply(flux)
                        : flux.doOnNext(ReferenceCountUtil::release).then())
                // an item that arrives once the send is cancelled (the client left mid-body) is
                // dropped by switchOnFirst, outside the write that would release it
                .doOnDiscard(ReferenceCounted.class, ClaimedResponse::releaseIfLive)
                .then();
    }

    /**
     * Writes {@code item} with {@code write}, which takes it when it subscribes to the body it is
     * given; releases it if the write ends without having taken it, or if Reactor Netty took it and
     * {@linkplain #unsent left it behind}. A buffer is handed over behind a reference count
     * of its own (a composite of one component, which is never recycled): Reactor Netty may release
     * what it left behind before leaving it (a body that must be empty, such as the answer to a
     * {@code HEAD}), and a second release of a pooled buffer would take the reference of whoever has
     * its recycled object next; a second release of the composite finds its count at zero.
     */
    @SuppressWarnings("unchecked") // a ByteBuf item is a T; so is the composite standing for it
    private <T> Mono<Void> handOver(T item, Function<Publisher<T>, Mono<Void>> write) {
        AtomicReference<@Nullable T> untaken = new AtomicReference<>(item);
        AtomicReference<@Nullable ByteBuf> handed = new AtomicReference<>();
        Mono<T> once = Mono.fromSupplier(() -> {
            T taken = untaken.getAndSet(null);
            if (taken instanceof ByteBuf buffer) {
                ByteBuf own = buffer.alloc().compositeBuffer(1).addComponent(true, buffer);
                handed.set(own);
                return (T) own;
            }
            return taken;
        });
        return write.apply(once).doFinally(signal -> {
            ReferenceCountUtil.release(untaken.getAndSet(null));
            ByteBuf own = handed.get();
            if (own != null) {
                unsent.afterWrite(signal, () -> releaseIfLive(own));
            }
        });
    }

    /** Releases a discarded item that still holds a reference (a write may have released it). */
    private static void releaseIfLive(ReferenceCounted item) {
        if (item.refCnt() > 0) {
            item.release();
        }
    }

    // ---------------------------------------------------------------------------------- reads

    @Override
    public ByteBufAllocator alloc() {
        return real.alloc();
    }

    @Override
    public boolean hasSentHeaders() {
        return real.hasSentHeaders();
    }

    @Override
    public HttpResponseStatus status() {
        return real.status();
    }

    @Override
    public Map<CharSequence, List<Cookie>> allCookies() {
        return real.allCookies();
    }

    @Override
    public Map<CharSequence, Set<Cookie>> cookies() {
        return real.cookies();
    }

    @Override
    public String fullPath() {
        return real.fullPath();
    }

    @Override
    public String requestId() {
        return real.requestId();
    }

    @Override
    public boolean isKeepAlive() {
        return real.isKeepAlive();
    }

    @Override
    public boolean isWebsocket() {
        return real.isWebsocket();
    }

    @Override
    public HttpMethod method() {
        return real.method();
    }

    @Override
    public String uri() {
        return real.uri();
    }

    @Override
    public HttpVersion version() {
        return real.version();
    }

    @Override
    public @Nullable SocketAddress hostAddress() {
        return real.hostAddress();
    }

    @Override
    public @Nullable SocketAddress connectionHostAddress() {
        return real.connectionHostAddress();
    }

    @Override
    public @Nullable SocketAddress remoteAddress() {
        return real.remoteAddress();
    }

    @Override
    public @Nullable SocketAddress connectionRemoteAddress() {
        return real.connectionRemoteAddress();
    }

    @Override
    public String scheme() {
        return real.scheme();
    }

    @Override
    public String connectionScheme() {
        return real.connectionScheme();
    }

    @Override
    public String hostName() {
        return real.hostName();
    }

    @Override
    public int hostPort() {
        return real.hostPort();
    }

    @Override
    public String toString() {
        return "ClaimedResponse[" + real + "]";
    }

    /** With no claim happening: the headers the handler's changes go to now. */
    private HttpHeaders headersNow() {
        if (!claim.deadlineOwns()) {
            return real.responseHeaders();
        }
        HttpHeaders discarded = discardedHeaders;
        if (discarded == null) {
            discarded = new DefaultHttpHeaders();
            discardedHeaders = discarded;
        }
        return discarded;
    }

    /** The header names the 504 clears of what the handler prepared for its own body. */
    static void clearContentHeaders(HttpHeaders headers) {
        headers.remove(HttpHeaderNames.CONTENT_TYPE)
                .remove(HttpHeaderNames.CONTENT_LENGTH)
                .remove(HttpHeaderNames.CONTENT_ENCODING)
                .remove(HttpHeaderNames.CONTENT_LANGUAGE)
                .remove(HttpHeaderNames.CONTENT_LOCATION)
                .remove(HttpHeaderNames.CONTENT_RANGE)
                .remove(HttpHeaderNames.CONTENT_DISPOSITION)
                .remove(HttpHeaderNames.TRANSFER_ENCODING);
    }

    /**
     * The handler's header map: each call goes to the real headers while the deadline has not
     * claimed the response and to a throwaway copy once it has; no claim happens during a call. Its
     * iterators and views are copies, so that nothing reaches the real headers past the claim.
     */
    private final class GuardedHeaders extends HttpHeaders {
        @Override
        public @Nullable String get(String name) {
            return claim.locked(() -> headersNow().get(name));
        }

        @Override
        public @Nullable Integer getInt(CharSequence name) {
            return claim.locked(() -> headersNow().getInt(name));
        }

        @Override
        public int getInt(CharSequence name, int defaultValue) {
            return claim.locked(() -> headersNow().getInt(name, defaultValue));
        }

        @Override
        public @Nullable Short getShort(CharSequence name) {
            return claim.locked(() -> headersNow().getShort(name));
        }

        @Override
        public short getShort(CharSequence name, short defaultValue) {
            return claim.locked(() -> headersNow().getShort(name, defaultValue));
        }

        @Override
        public @Nullable Long getTimeMillis(CharSequence name) {
            return claim.locked(() -> headersNow().getTimeMillis(name));
        }

        @Override
        public long getTimeMillis(CharSequence name, long defaultValue) {
            return claim.locked(() -> headersNow().getTimeMillis(name, defaultValue));
        }

        @Override
        public List<String> getAll(String name) {
            return claim.locked(() -> List.copyOf(headersNow().getAll(name)));
        }

        @Override
        public List<Map.Entry<String, String>> entries() {
            return claim.locked(() -> List.copyOf(headersNow().entries()));
        }

        @Override
        public boolean contains(String name) {
            return claim.locked(() -> headersNow().contains(name));
        }

        @Override
        public Iterator<Map.Entry<String, String>> iterator() {
            return entries().iterator();
        }

        @Override
        public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
            return claim.locked(() -> {
                List<Map.Entry<CharSequence, CharSequence>> copy = new ArrayList<>();
                headersNow()
                        .iteratorCharSequence()
                        .forEachRemaining(e -> copy.add(Map.entry(e.getKey(), e.getValue())));
                return copy.iterator();
            });
        }

        @Override
        public boolean isEmpty() {
            return claim.locked(() -> headersNow().isEmpty());
        }

        @Override
        public int size() {
            return claim.locked(() -> headersNow().size());
        }

        @Override
        public Set<String> names() {
            return claim.locked(
                    () -> Set.copyOf(new LinkedHashSet<>(headersNow().names())));
        }

        @Override
        public HttpHeaders add(String name, Object value) {
            return changeHeaders(h -> h.add(name, value));
        }

        @Override
        public HttpHeaders add(String name, Iterable<?> values) {
            return changeHeaders(h -> h.add(name, values));
        }

        @Override
        public HttpHeaders addInt(CharSequence name, int value) {
            return changeHeaders(h -> h.addInt(name, value));
        }

        @Override
        public HttpHeaders addShort(CharSequence name, short value) {
            return changeHeaders(h -> h.addShort(name, value));
        }

        @Override
        public HttpHeaders set(String name, Object value) {
            return changeHeaders(h -> h.set(name, value));
        }

        @Override
        public HttpHeaders set(String name, Iterable<?> values) {
            return changeHeaders(h -> h.set(name, values));
        }

        @Override
        public HttpHeaders setInt(CharSequence name, int value) {
            return changeHeaders(h -> h.setInt(name, value));
        }

        @Override
        public HttpHeaders setShort(CharSequence name, short value) {
            return changeHeaders(h -> h.setShort(name, value));
        }

        @Override
        public HttpHeaders remove(String name) {
            return changeHeaders(h -> h.remove(name));
        }

        @Override
        public HttpHeaders clear() {
            return changeHeaders(HttpHeaders::clear);
        }

        private HttpHeaders changeHeaders(Consumer<HttpHeaders> change) {
            claim.lockedRun(() -> change.accept(headersNow()));
            return this;
        }
    }
}
