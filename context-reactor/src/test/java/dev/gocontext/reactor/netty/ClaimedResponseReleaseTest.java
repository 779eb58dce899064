package dev.gocontext.reactor.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.NettyOutbound;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A body whose buffers arrive after the handler's send was cancelled (the client left while the
 * body was on its way), single-buffer or streamed, has them released, not dropped: the write never
 * takes them, so nothing else would.
 */
class ClaimedResponseReleaseTest {

    @Test
    void aBufferThatArrivesAfterTheSendWasCancelledIsReleased() {
        AtomicReference<CoreSubscriber<? super ByteBuf>> body = new AtomicReference<>();
        Mono<ByteBuf> late = Mono.fromDirect(ignoringCancel(body));
        ClaimedResponse claimed = new ClaimedResponse(writesAndReleases());
        Disposable sending = claimed.send(late).then().subscribe();
        sending.dispose();

        ByteBuf buffer = Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8);
        body.get().onNext(buffer);
        body.get().onComplete();

        assertThat(buffer.refCnt()).as("the late buffer's reference count").isZero();
    }

    @Test
    void aBufferOfAStreamedBodyThatArrivesAfterTheSendWasCancelledIsReleased() {
        AtomicReference<CoreSubscriber<? super ByteBuf>> body = new AtomicReference<>();
        Flux<ByteBuf> streamed = ignoringCancel(body);
        ClaimedResponse claimed = new ClaimedResponse(writesAndReleases());
        Disposable sending = claimed.send(streamed).then().subscribe();
        ByteBuf written = Unpooled.copiedBuffer("written", StandardCharsets.UTF_8);
        body.get().onNext(written);
        sending.dispose(); // the client left mid-body

        ByteBuf late = Unpooled.copiedBuffer("late", StandardCharsets.UTF_8);
        body.get().onNext(late);
        body.get().onComplete();

        assertThat(written.refCnt())
                .as("the buffer written before the client left")
                .isZero();
        assertThat(late.refCnt()).as("the buffer that arrived after it left").isZero();
    }

    @Test
    void aBufferSentNormallyIsWrittenOnce() {
        ByteBuf buffer = Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8);
        new ClaimedResponse(writesAndReleases()).send(Mono.just(buffer)).then().block();
        assertThat(buffer.refCnt())
                .as("written (and released by the write) once")
                .isZero();
    }

    /**
     * A body that hands its subscriber to {@code body} and ignores cancel, as a source already
     * emitting when it is cancelled: the test sends its items.
     */
    private static Flux<ByteBuf> ignoringCancel(AtomicReference<CoreSubscriber<? super ByteBuf>> body) {
        return new Flux<>() {
            @Override
            public void subscribe(CoreSubscriber<? super ByteBuf> subscriber) {
                body.set(subscriber);
                subscriber.onSubscribe(IGNORES_CANCEL);
            }
        };
    }

    private static final Subscription IGNORES_CANCEL = new Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
    };

    /**
     * A response whose writes take every buffer in turn and release it, as a channel write does;
     * what reaches a write once it is cancelled is discarded (Reactor's contract), not released.
     */
    private static HttpServerResponse writesAndReleases() {
        return (HttpServerResponse) Proxy.newProxyInstance(
                HttpServerResponse.class.getClassLoader(),
                new Class<?>[] {HttpServerResponse.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "send" -> writing((Publisher<?>) args[0]);
                    case "alloc" -> ByteBufAllocator.DEFAULT;
                    case "then" -> Mono.empty();
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static NettyOutbound writing(Publisher<?> data) {
        return (NettyOutbound) Proxy.newProxyInstance(
                NettyOutbound.class.getClassLoader(), new Class<?>[] {NettyOutbound.class}, (proxy, method, args) -> {
                    if (method.getName().equals("then") && args == null) {
                        return Flux.from(data)
                                .concatMap(item -> Mono.fromRunnable(() -> ReferenceCountUtil.release(item)))
                                .then();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
