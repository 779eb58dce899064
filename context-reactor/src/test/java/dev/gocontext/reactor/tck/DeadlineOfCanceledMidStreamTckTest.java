package dev.gocontext.reactor.tck;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import org.testng.Assert;
import org.testng.annotations.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The Reactive Streams TCK against {@code deadlineOf} whose ctx is canceled mid-stream: each
 * subscription gets its own ctx; the source emits its elements and then, when the subscriber asks
 * for more, has its ctx canceled from another thread instead of completing, so the stream ends
 * with {@code onError(CANCELED)}. Such a stream never completes, so the TCK skips the rules that
 * need {@code onComplete}.
 */
public class DeadlineOfCanceledMidStreamTckTest extends PublisherVerification<Long> {

    public DeadlineOfCanceledMidStreamTckTest() {
        super(new TestEnvironment(500, 100));
    }

    @Override
    public Publisher<Long> createPublisher(long n) {
        return Flux.defer(() -> {
            CancellableContext ctx = Context.background().withCancel();
            return GoContext.deadlineOf(elementsThenCancel(n, ctx)).contextWrite(GoContext.with(ctx));
        });
    }

    /**
     * {@code n} elements; when more is requested, the ctx is canceled from a parallel thread while
     * the subscriber waits, so the stream ends with {@code onError(CANCELED)}.
     */
    private static Flux<Long> elementsThenCancel(long n, CancellableContext ctx) {
        Flux<Long> cancelWhenAskedForMore = Flux.create(sink -> {
            AtomicBoolean canceling = new AtomicBoolean();
            sink.onRequest(
                    requested -> { // with the demand left over, then with each request
                        if (requested > 0 && canceling.compareAndSet(false, true)) {
                            Schedulers.parallel().schedule(ctx::cancel);
                        }
                    });
        });
        return DeadlineOfLiveCtxTckTest.elements(n).concatWith(cancelWhenAskedForMore);
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        CancellableContext ctx = Context.background().withCancel();
        Mono.delay(Duration.ofMillis(5)).subscribe(tick -> ctx.cancel());
        return GoContext.deadlineOf(Flux.<Long>never()).contextWrite(GoContext.with(ctx));
    }

    @Override
    public long maxElementsFromPublisher() {
        return publisherUnableToSignalOnComplete();
    }

    /**
     * §3.2 as the TCK checks it, except that this publisher's final {@code onError(CANCELED)} is
     * expected rather than counted as a failure: synchronous {@code request} calls from {@code
     * onSubscribe} and {@code onNext} must work, and nothing else may go wrong.
     */
    @Override
    @Test
    public void required_spec302_mustAllowSynchronousRequestCallsFromOnNextAndOnSubscribe() throws Throwable {
        List<Long> received = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        createPublisher(6).subscribe(new Subscriber<Long>() {
            private Subscription subscription;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(1);
                s.request(1);
                s.request(1);
            }

            @Override
            public void onNext(Long element) {
                received.add(element);
                subscription.request(1);
            }

            @Override
            public void onError(Throwable t) {
                error.set(t);
                ended.countDown();
            }

            @Override
            public void onComplete() {
                ended.countDown();
            }
        });
        Assert.assertTrue(ended.await(5, TimeUnit.SECONDS), "the stream ended");
        Assert.assertEquals(received, List.of(0L, 1L, 2L, 3L, 4L, 5L));
        Assert.assertSame(error.get(), Context.CANCELED);
    }
}
