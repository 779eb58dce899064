package dev.gocontext.reactor.web;

import dev.gocontext.reactor.http.ResponseClaim;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * The response as the handler sees it behind {@link GoContextWebFilter}: the handler and the
 * deadline's {@code 504} race for it, and exactly one of them ever writes to the real response.
 *
 * <p>The handler claims the response with the first signal of a body it writes (handlers call
 * {@code writeWith} early, with a body that is not there yet), or by {@code setComplete()}; the
 * deadline claims it before writing its {@code 504}. A handler cancelled by the deadline may still
 * be running on another thread (an encoder choosing a codec, a body already on its way). Once the
 * deadline owns the response, such late work reaches nothing of it: its status, headers (also
 * through a header map it took before), cookies and commit actions go to throwaway copies or are
 * ignored, commit actions it registered before do not run, and its buffers are released unwritten,
 * so it neither spoils the {@code 504} nor fails on it.
 */
final class ClaimedResponse extends ServerHttpResponseDecorator {
    // Who writes the real response, the handler or the deadline; it also guards the handler's
    // changes of status, headers, cookies and commit actions against the deadline's claim.
    private final ResponseClaim claim = new ResponseClaim();

    // What late handler code changes once the deadline owns the response; created on first use,
    // with no claim happening.
    private @Nullable HttpHeaders discardedHeaders;
    private @Nullable MultiValueMap<String, ResponseCookie> discardedCookies;

    private final HttpHeaders headers = new ClaimedHeaders();
    private final MultiValueMap<String, ResponseCookie> cookies = new Guarded<>(this::cookiesNow);

    // Called as the write of a single-buffer body ends, with its signal and the body's release:
    // releases the body if the server took it and left it behind, unsent (Reactor Netty may).
    private final BiConsumer<SignalType, Runnable> unsent;

    ClaimedResponse(ServerHttpResponse delegate) {
        this(delegate, (signal, release) -> {});
    }

    /**
     * {@code unsent}: called as the write of a single-buffer body ends, with the write's signal and
     * the body's release; runs the release, now or later, if the server took the body and left it
     * behind, never to send nor release it.
     */
    ClaimedResponse(ServerHttpResponse delegate, BiConsumer<SignalType, Runnable> unsent) {
        super(delegate);
        this.unsent = unsent;
    }

    /**
     * The deadline's claim.
     *
     * @return true if the handler has not claimed the response: the caller alone writes the 504,
     *     to {@link #getDelegate()}, and no change of the handler's reaches it any more
     */
    boolean claimForDeadline() {
        return claim.forDeadline();
    }

    @Override
    public boolean setStatusCode(@Nullable HttpStatusCode status) {
        return claim.locked(() -> !claim.deadlineOwns() && super.setStatusCode(status));
    }

    @Override
    public boolean setRawStatusCode(@Nullable Integer value) {
        return claim.locked(() -> !claim.deadlineOwns() && super.setRawStatusCode(value));
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public MultiValueMap<String, ResponseCookie> getCookies() {
        return cookies;
    }

    @Override
    public void addCookie(ResponseCookie cookie) {
        cookies.add(cookie.getName(), cookie);
    }

    @Override
    public void beforeCommit(Supplier<? extends Mono<Void>> action) {
        // registered while the handler may still win; runs only if it does
        claim.change(() -> super.beforeCommit(() -> claim.deadlineOwns() ? Mono.empty() : action.get()));
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        if (body instanceof Mono<? extends DataBuffer> single) {
            // keep the single-buffer form, which lets the server set Content-Length; hand it over
            // once, in the same onNext that brings it, released if the write ends without taking it.
            // A cancel waits for a request running on the body (CancelOutsideRequest says why)
            return Mono.defer(() -> {
                AtomicBoolean received = new AtomicBoolean();
                return new CancelOutsideRequest<>(single)
                        .<Void>flatMap(buffer -> {
                            received.set(true);
                            return claim.forHandler() ? handOver(buffer) : drop(buffer);
                        })
                        .then(Mono.defer(() ->
                                !received.get() && claim.forHandler() ? super.writeWith(Mono.empty()) : Mono.empty()));
            });
        }
        return Flux.<DataBuffer>from(body)
                .switchOnFirst((first, flux) -> claim.forHandler()
                        ? super.writeWith(flux)
                        : flux.doOnNext(DataBufferUtils::release).then())
                .then()
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release); // a first buffer held when cancelled
    }

    /**
     * Writes {@code buffer}; if the write ends (or is cancelled) without having taken it, releases it.
     *
     * <p>What it hands over has a {@linkplain OwnReferenceCount count of its own}. Spring's response
     * releases the buffer when its write fails, after Netty has released it with the failed message
     * (a write to a reset stream); and on a cancel it releases the buffer if its write has not read
     * it yet, a check that a write starting on another thread can pass just after (the deadline's or
     * the server's cancel crossing the write's start). With a count of its own, a second release
     * does nothing, and a write that comes too late fails on its own released buffer instead of
     * sending, and releasing, the memory of the response that has the recycled buffer next.
     */
    private Mono<Void> handOver(DataBuffer buffer) {
        AtomicBoolean taken = new AtomicBoolean();
        AtomicReference<@Nullable DataBuffer> handed = new AtomicReference<>();
        Mono<DataBuffer> once = Mono.fromSupplier(() -> {
            if (!taken.compareAndSet(false, true)) {
                return null;
            }
            DataBuffer own = OwnReferenceCount.of(buffer);
            handed.set(own);
            return own;
        });
        return super.writeWith(once).doFinally(signal -> {
            DataBuffer own = handed.get();
            if (taken.compareAndSet(false, true)) {
                DataBufferUtils.release(buffer);
            } else if (own != null) {
                // Reactor Netty keeps a single-buffer body as a prepared response, sent as the
                // write completes; if the exchange was disposed first (a reset stream, the
                // deadline's abort), that response is never sent nor released. The body's own
                // count is released then (if anything released it already, it is at 0: a no-op)
                unsent.accept(signal, () -> DataBufferUtils.release(own));
            }
        });
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return Flux.<Publisher<? extends DataBuffer>>from(body)
                .switchOnFirst((first, chunks) -> claim.forHandler()
                        ? super.writeAndFlushWith(chunks)
                        : chunks.concatMap(chunk -> Flux.from(chunk).doOnNext(DataBufferUtils::release))
                                .then())
                .then();
    }

    @Override
    public Mono<Void> setComplete() {
        return Mono.defer(() -> claim.forHandler() ? super.setComplete() : Mono.empty());
    }

    private static Mono<Void> drop(DataBuffer buffer) {
        DataBufferUtils.release(buffer);
        return Mono.empty();
    }

    /**
     * With no claim happening: the headers the handler's changes go to now, the real ones (read-only
     * once the response is committed) or the throwaway copy.
     */
    private HttpHeaders headersNow() {
        if (!claim.deadlineOwns()) {
            return super.getHeaders();
        }
        HttpHeaders discarded = discardedHeaders;
        if (discarded == null) {
            discarded = new HttpHeaders();
            discardedHeaders = discarded;
        }
        return discarded;
    }

    /** With no claim happening: the cookies the handler's changes go to now. */
    private MultiValueMap<String, ResponseCookie> cookiesNow() {
        if (!claim.deadlineOwns()) {
            return super.getCookies();
        }
        MultiValueMap<String, ResponseCookie> discarded = discardedCookies;
        if (discarded == null) {
            discarded = new LinkedMultiValueMap<>();
            discardedCookies = discarded;
        }
        return discarded;
    }

    /**
     * The handler's headers: each call goes to {@link #headersNow()}. Spring's read-only headers of a
     * committed response ignore {@link #clearContentHeaders()} (Spring clears them before resolving
     * an error that may have come from a write, committed or not), so it is passed on as a whole
     * rather than as the removals it is made of, which the read-only headers refuse.
     */
    private final class ClaimedHeaders extends HttpHeaders {
        private static final long serialVersionUID = 1L;

        ClaimedHeaders() {
            super(new Guarded<>(() -> new HeadersView(headersNow())));
        }

        @Override
        public void clearContentHeaders() {
            claim.lockedRun(() -> headersNow().clearContentHeaders());
        }
    }

    /**
     * A map of the handler's that goes, for each call, to the real values while the deadline has
     * not claimed the response and to a throwaway copy once it has; no claim happens during a call.
     * Its views are copies, so that nothing reaches the real values past the claim.
     */
    private final class Guarded<V> implements MultiValueMap<String, V> {
        private final Supplier<MultiValueMap<String, V>> now;

        Guarded(Supplier<MultiValueMap<String, V>> now) {
            this.now = now;
        }

        @Override
        public @Nullable V getFirst(String key) {
            return claim.locked(() -> now.get().getFirst(key));
        }

        @Override
        public void add(String key, @Nullable V value) {
            claim.lockedRun(() -> now.get().add(key, value));
        }

        @Override
        public void addAll(String key, List<? extends V> values) {
            claim.lockedRun(() -> now.get().addAll(key, values));
        }

        @Override
        public void addAll(MultiValueMap<String, V> values) {
            claim.lockedRun(() -> now.get().addAll(values));
        }

        @Override
        public void set(String key, @Nullable V value) {
            claim.lockedRun(() -> now.get().set(key, value));
        }

        @Override
        public void setAll(Map<String, V> values) {
            claim.lockedRun(() -> now.get().setAll(values));
        }

        @Override
        public Map<String, V> toSingleValueMap() {
            return claim.locked(() -> now.get().toSingleValueMap());
        }

        @Override
        public int size() {
            return claim.locked(() -> now.get().size());
        }

        @Override
        public boolean isEmpty() {
            return claim.locked(() -> now.get().isEmpty());
        }

        @Override
        public boolean containsKey(Object key) {
            return claim.locked(() -> now.get().containsKey(key));
        }

        @Override
        public boolean containsValue(Object value) {
            return claim.locked(() -> now.get().containsValue(value));
        }

        @Override
        public @Nullable List<V> get(Object key) {
            return claim.locked(() -> {
                List<V> values = now.get().get(key);
                return values == null ? null : List.copyOf(values);
            });
        }

        @Override
        public @Nullable List<V> put(String key, List<V> value) {
            return claim.locked(() -> now.get().put(key, value));
        }

        @Override
        public @Nullable List<V> remove(Object key) {
            return claim.locked(() -> now.get().remove(key));
        }

        @Override
        public void putAll(Map<? extends String, ? extends List<V>> values) {
            claim.lockedRun(() -> now.get().putAll(values));
        }

        @Override
        public void clear() {
            claim.lockedRun(() -> now.get().clear());
        }

        @Override
        public Set<String> keySet() {
            return claim.locked(() -> Set.copyOf(new LinkedHashSet<>(now.get().keySet())));
        }

        @Override
        public Collection<List<V>> values() {
            return claim.locked(() -> List.copyOf(now.get().values()));
        }

        @Override
        public Set<Map.Entry<String, List<V>>> entrySet() {
            return claim.locked(() -> Set.copyOf(new LinkedHashMap<>(now.get()).entrySet()));
        }

        @Override
        public String toString() {
            return claim.locked(() -> now.get().toString());
        }
    }

    /** {@link HttpHeaders} as the {@link MultiValueMap} that {@link Guarded} goes to. */
    private static final class HeadersView implements MultiValueMap<String, String> {
        private final HttpHeaders headers;

        HeadersView(HttpHeaders headers) {
            this.headers = headers;
        }

        @Override
        public @Nullable String getFirst(String key) {
            return headers.getFirst(key);
        }

        @Override
        public void add(String key, @Nullable String value) {
            headers.add(key, value);
        }

        @Override
        public void addAll(String key, List<? extends String> values) {
            headers.addAll(key, values);
        }

        @Override
        public void addAll(MultiValueMap<String, String> values) {
            values.forEach(headers::addAll);
        }

        @Override
        public void set(String key, @Nullable String value) {
            headers.set(key, value);
        }

        @Override
        public void setAll(Map<String, String> values) {
            headers.setAll(values);
        }

        @Override
        public Map<String, String> toSingleValueMap() {
            return headers.toSingleValueMap();
        }

        @Override
        public int size() {
            return headers.size();
        }

        @Override
        public boolean isEmpty() {
            return headers.isEmpty();
        }

        @Override
        public boolean containsKey(Object key) {
            return key instanceof String name && headers.containsHeader(name);
        }

        @Override
        public boolean containsValue(Object value) {
            return headers.headerSet().stream().anyMatch(e -> e.getValue().equals(value));
        }

        @Override
        public @Nullable List<String> get(Object key) {
            return key instanceof String name ? headers.get(name) : null;
        }

        @Override
        public @Nullable List<String> put(String key, List<String> value) {
            return headers.put(key, value);
        }

        @Override
        public @Nullable List<String> remove(Object key) {
            return key instanceof String name ? headers.remove(name) : null;
        }

        @Override
        public void putAll(Map<? extends String, ? extends List<String>> values) {
            headers.putAll(values);
        }

        @Override
        public void clear() {
            headers.clear();
        }

        @Override
        public Set<String> keySet() {
            return headers.headerNames();
        }

        @Override
        public Collection<List<String>> values() {
            return headers.headerSet().stream().map(Map.Entry::getValue).toList();
        }

        @Override
        public Set<Map.Entry<String, List<String>>> entrySet() {
            return headers.headerSet();
        }

        @Override
        public String toString() {
            return headers.toString();
        }
    }
}
