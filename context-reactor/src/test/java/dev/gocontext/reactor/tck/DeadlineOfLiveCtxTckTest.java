package dev.gocontext.reactor.tck;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import java.util.stream.LongStream;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;

/**
 * The Reactive Streams TCK against {@code deadlineOf} bound to a live ctx with a deadline: it must
 * be a correct publisher, in the SYNC-fused mode (even element counts) and the non-fused one (odd).
 * The failed publisher is one whose ctx is done at subscription.
 */
public class DeadlineOfLiveCtxTckTest extends PublisherVerification<Long> {
    private final CancellableContext live = Context.background().withTimeout(Duration.ofHours(1));

    public DeadlineOfLiveCtxTckTest() {
        super(new TestEnvironment(500, 100));
    }

    static Flux<Long> elements(long n) {
        return Flux.fromIterable(() -> LongStream.range(0, n).iterator());
    }

    @Override
    public Publisher<Long> createPublisher(long n) {
        Flux<Long> source = n % 2 == 0 ? elements(n) : elements(n).hide();
        return GoContext.deadlineOf(source).contextWrite(GoContext.with(live));
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        CancellableContext done = Context.background().withCancel();
        done.cancel();
        return GoContext.deadlineOf(elements(10)).contextWrite(GoContext.with(done));
    }
}
