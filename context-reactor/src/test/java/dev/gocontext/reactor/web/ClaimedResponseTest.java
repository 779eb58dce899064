package dev.gocontext.reactor.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.test.StepVerifier;

/**
 * {@link ClaimedResponse}: once the deadline owns the response, nothing the handler does reaches it
 * (status, raw status, headers, a header map taken before, cookies, commit actions, bodies); while
 * the handler owns it, it is the real response, and a single-buffer body is written once.
 */
class ClaimedResponseTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** A server response that records what is committed and written. */
    static final class RecordingResponse extends AbstractServerHttpResponse {
        final List<String> written = new ArrayList<>();
        final AtomicInteger writes = new AtomicInteger();
        HttpHeaders committedHeaders = new HttpHeaders();
        List<String> committedCookies = List.of();
        final List<Throwable> readFailures = new ArrayList<>();
        /** Runs as a write starts, before it reads its body: what another thread does at that moment. */
        Runnable asTheWriteStarts = () -> {};
        /**
         * If set, a write reads and releases its body, then fails with it, as Netty's write of a
         * message to a stream already reset does.
         */
        @Nullable
        IOException writeError;

        RecordingResponse() {
            super(DefaultDataBufferFactory.sharedInstance);
        }

        @Override
        public <T> T getNativeResponse() {
            throw new IllegalStateException("no native response");
        }

        @Override
        protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
            writes.incrementAndGet();
            // a write that has started runs to its end, as Reactor Netty's does: a cancel does not stop it
            return Mono.from(write -> {
                write.onSubscribe(Operators.emptySubscription());
                asTheWriteStarts.run();
                Flux.from(body)
                        .subscribe(
                                buffer -> {
                                    // as Netty's encoder does, a reference of its own while it reads
                                    DataBuffer reading = DataBufferUtils.retain(buffer);
                                    written.add(reading.toString(StandardCharsets.UTF_8));
                                    DataBufferUtils.release(reading);
                                    DataBufferUtils.release(buffer);
                                },
                                failure -> {
                                    readFailures.add(failure);
                                    write.onError(failure);
                                },
                                () -> {
                                    IOException error = writeError;
                                    if (error != null) {
                                        write.onError(error);
                                    } else {
                                        write.onComplete();
                                    }
                                });
            });
        }

        @Override
        protected Mono<Void> writeAndFlushWithInternal(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return writeWithInternal(Flux.from(body).concatMap(Flux::from));
        }

        @Override
        protected void applyStatusCode() {}

        @Override
        protected void applyHeaders() {
            committedHeaders = HttpHeaders.copyOf(getHeaders());
        }

        @Override
        protected void applyCookies() {
            committedCookies = getCookies().values().stream()
                    .flatMap(List::stream)
                    .map(ResponseCookie::getName)
                    .toList();
        }
    }

    /** Counts the bodies handed to the real response. */
    static final class CountingWrites extends ServerHttpResponseDecorator {
        final AtomicInteger writeWithCalls = new AtomicInteger();

        CountingWrites(ServerHttpResponse delegate) {
            super(delegate);
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            writeWithCalls.incrementAndGet();
            return super.writeWith(body);
        }
    }

    private final RecordingResponse real = new RecordingResponse();
    private final CountingWrites counting = new CountingWrites(real);
    private final ClaimedResponse claimed = new ClaimedResponse(counting);

    private static DataBuffer text(String s) {
        return DefaultDataBufferFactory.sharedInstance.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** What the filter does for the 504, on the real response. */
    private void write504() {
        real.setStatusCode(HttpStatus.GATEWAY_TIMEOUT);
        real.getHeaders().set("Content-Type", "text/plain");
        StepVerifier.create(real.writeWith(Mono.just(text("request deadline exceeded\n"))))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void afterTheDeadlineClaimsItTheHandlerReachesNothing() {
        HttpHeaders takenBefore = claimed.getHeaders();
        AtomicBoolean earlyCommitActionRan = new AtomicBoolean();
        claimed.beforeCommit(() -> Mono.fromRunnable(() -> earlyCommitActionRan.set(true)));

        assertThat(claimed.claimForDeadline()).isTrue();

        assertThat(claimed.setStatusCode(HttpStatus.OK)).isFalse();
        assertThat(claimed.setRawStatusCode(200)).isFalse();
        claimed.getHeaders().set("X-Late", "1");
        takenBefore.set("X-Late-Early-Map", "1");
        claimed.addCookie(ResponseCookie.from("late", "1").build());
        claimed.getCookies()
                .add("late-map", ResponseCookie.from("late-map", "1").build());
        AtomicBoolean lateCommitActionRan = new AtomicBoolean();
        claimed.beforeCommit(() -> Mono.fromRunnable(() -> lateCommitActionRan.set(true)));
        StepVerifier.create(claimed.writeWith(Mono.just(text("late body"))))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(claimed.writeWith(Flux.just(text("late"), text(" flux"))))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(claimed.setComplete()).expectComplete().verify(WAIT);

        write504();
        assertThat(real.getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
        assertThat(real.committedHeaders.headerNames()).containsExactly("Content-Type");
        assertThat(real.committedCookies).isEmpty();
        assertThat(earlyCommitActionRan)
                .as("a commit action the handler registered before")
                .isFalse();
        assertThat(lateCommitActionRan)
                .as("a commit action the handler registered after")
                .isFalse();
        assertThat(real.written).containsExactly("request deadline exceeded\n");
        assertThat(real.writes).hasValue(1);
    }

    @Test
    void whileTheHandlerOwnsItItIsTheRealResponse() {
        HttpHeaders headers = claimed.getHeaders();
        headers.set("X-Handler", "1");
        assertThat(claimed.setRawStatusCode(201)).isTrue();
        claimed.addCookie(ResponseCookie.from("session", "s").build());
        AtomicBoolean commitActionRan = new AtomicBoolean();
        claimed.beforeCommit(() -> Mono.fromRunnable(() -> commitActionRan.set(true)));

        StepVerifier.create(claimed.writeWith(Mono.just(text("handler body"))))
                .expectComplete()
                .verify(WAIT);
        assertThat(claimed.claimForDeadline()).as("the handler owns it now").isFalse();

        assertThat(real.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(real.committedHeaders.getFirst("X-Handler")).isEqualTo("1");
        assertThat(real.committedCookies).containsExactly("session");
        assertThat(commitActionRan).isTrue();
        assertThat(real.written).containsExactly("handler body");
        assertThat(counting.writeWithCalls)
                .as("a single-buffer body is handed over once")
                .hasValue(1);
    }

    /**
     * Once the handler's write has committed the response, its headers are read-only, as the real
     * response's are: a change fails as it would there, and clearing the content headers (which
     * Spring does before resolving an error of a controller, e.g. a write to a client gone) is
     * ignored, as there.
     */
    @Test
    void onceCommittedTheHeadersBehaveAsTheRealResponsesReadOnlyOnes() {
        HttpHeaders takenBefore = claimed.getHeaders();
        takenBefore.setContentType(MediaType.TEXT_PLAIN);
        StepVerifier.create(claimed.writeWith(Mono.just(text("handler body"))))
                .expectComplete()
                .verify(WAIT);
        assertThat(real.isCommitted()).isTrue();

        claimed.getHeaders().clearContentHeaders();
        takenBefore.clearContentHeaders();
        assertThat(claimed.getHeaders().getContentType()).isEqualTo(MediaType.TEXT_PLAIN);
        assertThatThrownBy(() -> claimed.getHeaders().set("X-Late", "1"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(real.committedHeaders.getContentType()).isEqualTo(MediaType.TEXT_PLAIN);
    }

    @Test
    void anEmptyMonoBodyIsWrittenOnce() {
        StepVerifier.create(claimed.writeWith(Mono.empty())).expectComplete().verify(WAIT);
        assertThat(counting.writeWithCalls).hasValue(1);
        assertThat(claimed.claimForDeadline()).isFalse();
    }

    /**
     * A header map taken before the claim, changed on another thread while the deadline claims: after
     * the claim returns, the real headers stay as they were.
     */
    @Test
    void aHeaderMapTakenBeforeTheClaimCannotChangeTheRealOneAfterIt() throws InterruptedException {
        HttpHeaders takenBefore = claimed.getHeaders();
        AtomicInteger rounds = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        Thread lateHandler = new Thread(() -> {
            running.countDown();
            while (!stop.get()) {
                int n = rounds.incrementAndGet();
                takenBefore.set("X-Late", Integer.toString(n));
                takenBefore.add("X-Late-" + (n % 16), "v");
                takenBefore.remove("X-Keep");
            }
        });
        real.getHeaders().set("X-Keep", "1");
        lateHandler.start();
        try {
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(claimed.claimForDeadline()).isTrue();
            String atClaim = real.getHeaders().toString();
            int roundsAtClaim = rounds.get();
            while (rounds.get() < roundsAtClaim + 10_000) {
                Thread.onSpinWait(); // the late handler keeps changing its map
            }
            assertThat(real.getHeaders().toString()).isEqualTo(atClaim);
        } finally {
            stop.set(true);
            lateHandler.join(5_000);
        }
    }

    /**
     * A buffer that another response holds, and a single-buffer body cut from it: the two share one
     * reference count, as the slices Reactor Netty hands on share the count of their connection's
     * buffer, and as a pooled buffer's recycled object is shared by the next response that gets it.
     */
    private static final class SharedCount implements AutoCloseable {
        final ByteBuf another = Unpooled.copiedBuffer("another response's", StandardCharsets.UTF_8);
        final DataBuffer body =
                new NettyDataBufferFactory(UnpooledByteBufAllocator.DEFAULT).wrap(another.retainedSlice());

        void assertAnotherKeepsItsReference() {
            assertThat(another.refCnt())
                    .as("the reference of the buffer the body was cut from")
                    .isEqualTo(1);
        }

        @Override
        public void close() {
            if (another.refCnt() > 0) {
                another.release(another.refCnt());
            }
        }
    }

    /**
     * Spring's response releases a single-buffer body when its write fails, after the write (Netty's,
     * of a message to a reset stream) has released it already: the second release must not take the
     * reference of the response the body's memory belongs to.
     */
    @Test
    void aBodyReleasedByItsFailedWriteAndAgainBySpringTakesNoReferenceOfAnother() {
        IOException reset = new IOException("stream reset");
        real.writeError = reset;
        try (SharedCount shared = new SharedCount()) {
            StepVerifier.create(claimed.writeWith(Mono.just(shared.body)))
                    .expectErrorMatches(error -> error == reset)
                    .verify(WAIT);
            assertThat(real.written).containsExactly("another response's");
            shared.assertAnotherKeepsItsReference();
        }
    }

    /**
     * The deadline cancels the handler just as the response's write starts, before the write has
     * read its body. Spring's response releases a body on a cancel if its write has not read it yet,
     * but its write may read it just after that check, on another thread: the late write must
     * neither send the memory of the response the body's memory belongs to nor take its reference.
     * It fails instead, on a body of its own that is released already.
     */
    @Test
    void aCancelCrossingTheStartOfTheWriteSendsNothingOfAnotherResponse() {
        BaseSubscriber<Void> handler = new BaseSubscriber<>() {};
        real.asTheWriteStarts = handler::dispose; // the deadline's cancel, from another thread
        try (SharedCount shared = new SharedCount()) {
            claimed.writeWith(Mono.just(shared.body)).subscribe(handler);
            assertThat(real.written).as("what the late write sent").isEmpty();
            assertThat(real.readFailures).singleElement().isInstanceOf(IllegalReferenceCountException.class);
            shared.assertAnotherKeepsItsReference();
        }
    }

    /**
     * The deadline cancels the handler's write while the handler's body is being handed to it on
     * another thread. Reactor's {@code Mono.just} discards its value on a cancel that finds it not
     * yet emitted, and a request running on another thread can emit it just after that check; Spring
     * gives its encoded body a discard hook that releases it. Without care, the body is released by
     * that discard and again by the write: the second release takes the reference of the response the
     * body's memory belongs to. A cancel must not reach the body's subscription while a request is
     * running there.
     */
    @Test
    void aCancelCrossingTheEmissionOfTheBodyReleasesItOnce() throws InterruptedException {
        try (SharedCount shared = new SharedCount()) {
            ScalarBody body = new ScalarBody(shared.body);
            BaseSubscriber<Void> handler = new BaseSubscriber<>() {};
            Thread writer = new Thread(() -> claimed.writeWith(body).subscribe(handler), "writer");
            writer.start();
            body.await(body.inRequest);
            handler.dispose(); // the deadline's cancel, from this thread, while the writer requests
            body.proceed.countDown(); // the request goes on whether or not the cancel reached it
            writer.join(WAIT.toMillis());
            assertThat(writer.isAlive()).as("the writer, stuck").isFalse();
            shared.assertAnotherKeepsItsReference();
        }
    }

    /**
     * One buffer, emitted on request, as Reactor's {@code Mono.just} with Spring's discard hook does:
     * a cancel that finds the buffer not yet emitted releases it, even if a request emits it just
     * after that check. The test holds the request open until it has cancelled, and holds such a
     * cancel's release until the request has emitted, which makes that interleaving certain.
     */
    private static final class ScalarBody extends Mono<DataBuffer> {
        final CountDownLatch inRequest = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final CountDownLatch emitted = new CountDownLatch(1);
        private final DataBuffer buffer;

        ScalarBody(DataBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public void subscribe(CoreSubscriber<? super DataBuffer> actual) {
            AtomicInteger once = new AtomicInteger(); // 0: not emitted, 1: emitted, 2: cancelled
            actual.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    inRequest.countDown();
                    await(proceed);
                    if (once.compareAndSet(0, 1)) {
                        actual.onNext(buffer);
                        actual.onComplete();
                    }
                    emitted.countDown();
                }

                @Override
                public void cancel() {
                    boolean notEmitted = once.get() == 0;
                    proceed.countDown();
                    if (notEmitted) {
                        await(emitted); // the request emits in between
                        DataBufferUtils.release(buffer); // the discard hook
                    }
                    once.set(2);
                }
            });
        }

        void await(CountDownLatch latch) {
            try {
                assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("waited for")
                        .isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
