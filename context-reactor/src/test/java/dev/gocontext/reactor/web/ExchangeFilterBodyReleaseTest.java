package dev.gocontext.reactor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.test.StepVerifier;

/**
 * A body buffer discarded once its ctx ended is released once, even where two discard hooks
 * release it. Reactor Netty hands on slices of the connection's read buffer, and a slice shares the
 * reference count of that buffer. Reactor's discard hooks add up, and a body read inside a WebFlux
 * handler is under two that release a discarded {@code DataBuffer}: the codec's
 * ({@code DataBufferUtils.join}) and the one Spring's response writer puts around the handler's
 * result (played here by a {@code doOnDiscard} after the read). Released twice, the slice takes
 * the connection's own reference to its read buffer, and the connection then reads freed memory.
 *
 * <p>The body here is such a slice of a "read buffer" that the test holds as the connection
 * would, and like Reactor Netty's it ignores a cancel until it has handed on what it was reading.
 */
class ExchangeFilterBodyReleaseTest {
    private static final ClientRequest REQUEST = ClientRequest.create(
                    HttpMethod.GET, URI.create("http://localhost/body"))
            .build();
    private static final NettyDataBufferFactory BUFFERS = new NettyDataBufferFactory(ByteBufAllocator.DEFAULT);

    /** The connection's read buffer; the connection holds one reference to it throughout. */
    private final ByteBuf readBuffer =
            Unpooled.directBuffer().writeBytes("{\"half\":".getBytes(StandardCharsets.UTF_8));

    private final CancellableContext ctx = Context.background().withCancel();
    private final LateBody body = new LateBody();

    @AfterEach
    void giveBackTheReadBuffer() {
        if (readBuffer.refCnt() > 0) {
            readBuffer.release(readBuffer.refCnt());
        }
    }

    @Test
    void aBufferArrivingAfterItsCtxEndedIsReleasedOnce() {
        StepVerifier.create(readUnderTwoHooks())
                .then(ctx::cancel)
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verify(Duration.ofSeconds(10));
        body.send(slice()); // on its way as the ctx ended: deadlineOf discards it

        assertThat(readBuffer.refCnt())
                .as("the connection's reference to its read buffer (the slice was released once)")
                .isEqualTo(1);
    }

    @Test
    void aBufferTheCodecHeldWhenItsCtxEndedIsReleasedOnce() {
        StepVerifier.create(readUnderTwoHooks())
                .then(() -> body.send(slice())) // half a body: the codec holds it, waiting for the rest
                .then(ctx::cancel) // the codec's collector discards what it holds
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verify(Duration.ofSeconds(10));

        assertThat(readBuffer.refCnt())
                .as("the connection's reference to its read buffer (the slice was released once)")
                .isEqualTo(1);
    }

    /** The body, read through the filter by a codec, inside a second hook that releases a discarded buffer. */
    private Mono<String> readUnderTwoHooks() {
        GoContextExchangeFilter filter = new GoContextExchangeFilter(OutboundPropagation.toHosts("localhost"));
        return filter.filter(
                        REQUEST,
                        request -> Mono.just(ClientResponse.create(HttpStatus.OK)
                                .body(Flux.from(body))
                                .build()))
                .flatMap(response -> response.bodyToMono(String.class))
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release)
                .contextWrite(GoContext.with(ctx));
    }

    /** A slice of the read buffer, as Reactor Netty hands it on: one more reference to the read buffer. */
    private DataBuffer slice() {
        return BUFFERS.wrap(readBuffer.retainedSlice());
    }

    /** A body whose subscriber gets what {@link #send} gives it, cancelled or not. */
    private static final class LateBody implements Publisher<DataBuffer> {
        private final AtomicReference<Subscriber<? super DataBuffer>> subscriber = new AtomicReference<>();

        @Override
        public void subscribe(Subscriber<? super DataBuffer> s) {
            assertThat(subscriber.compareAndSet(null, s)).as("one subscriber").isTrue();
            s.onSubscribe(Operators.emptySubscription()); // deaf to request and cancel
        }

        void send(DataBuffer buffer) {
            Subscriber<? super DataBuffer> s = subscriber.get();
            assertThat(s).as("the body was subscribed").isNotNull();
            s.onNext(buffer);
        }
    }
}
