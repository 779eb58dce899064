package dev.gocontext.reactor.web;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The response as the handler sees it behind {@link GoContextWebFilter}: the handler and the
 * deadline's {@code 504} race for it, and exactly one of them ever writes to the real response.
 *
 * <p>The handler claims the response with the first signal of a body it writes (handlers call
 * {@code writeWith} early, with a body that is not there yet), or by {@code setComplete()}; the
 * deadline claims it before writing its {@code 504}. A handler cancelled by the deadline may still
 * be running on another thread (an encoder choosing a codec, a body already on its way): once the
 * deadline owns the response, such late work gets a throwaway header map, its status is ignored,
 * and its buffers are released unwritten, so it neither spoils the {@code 504} nor fails on it.
 */
final class ClaimedResponse extends ServerHttpResponseDecorator {
    private static final int OPEN = 0;
    private static final int HANDLER = 1;
    private static final int DEADLINE = 2;

    // Who writes the real response: OPEN until the handler or the deadline claims it, then HANDLER
    // or DEADLINE for good.
    private final AtomicInteger owner = new AtomicInteger(OPEN);

    // What late handler code mutates once the deadline owns the response; created on first use.
    private volatile @Nullable HttpHeaders discardedHeaders;

    ClaimedResponse(ServerHttpResponse delegate) {
        super(delegate);
    }

    /**
     * The deadline's claim.
     *
     * @return true if the handler has not claimed the response: the caller alone writes the 504,
     *     to {@link #getDelegate()}
     */
    boolean claimForDeadline() {
        return owner.compareAndSet(OPEN, DEADLINE);
    }

    private boolean claimForHandler() {
        owner.compareAndSet(OPEN, HANDLER);
        return owner.get() == HANDLER;
    }

    private boolean deadlineOwns() {
        return owner.get() == DEADLINE;
    }

    @Override
    public boolean setStatusCode(@Nullable HttpStatusCode status) {
        return !deadlineOwns() && super.setStatusCode(status);
    }

    @Override
    public HttpHeaders getHeaders() {
        if (!deadlineOwns()) {
            return super.getHeaders();
        }
        HttpHeaders discarded = discardedHeaders;
        if (discarded == null) {
            discarded = new HttpHeaders();
            discardedHeaders = discarded;
        }
        return discarded;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        if (body instanceof Mono<? extends DataBuffer> single) {
            // keep the single-buffer form, which lets the server set Content-Length
            return single.<Void>flatMap(buffer -> claimForHandler() ? super.writeWith(Mono.just(buffer)) : drop(buffer))
                    .switchIfEmpty(Mono.defer(() -> claimForHandler() ? super.writeWith(Mono.empty()) : Mono.empty()));
        }
        return Flux.<DataBuffer>from(body)
                .switchOnFirst((first, flux) -> claimForHandler()
                        ? super.writeWith(flux)
                        : flux.doOnNext(DataBufferUtils::release).then())
                .then();
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return Flux.<Publisher<? extends DataBuffer>>from(body)
                .switchOnFirst((first, chunks) -> claimForHandler()
                        ? super.writeAndFlushWith(chunks)
                        : chunks.concatMap(chunk -> Flux.from(chunk).doOnNext(DataBufferUtils::release))
                                .then())
                .then();
    }

    @Override
    public Mono<Void> setComplete() {
        return Mono.defer(() -> claimForHandler() ? super.setComplete() : Mono.empty());
    }

    private static Mono<Void> drop(DataBuffer buffer) {
        DataBufferUtils.release(buffer);
        return Mono.empty();
    }
}
