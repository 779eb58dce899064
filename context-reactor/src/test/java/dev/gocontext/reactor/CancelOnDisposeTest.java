package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;

/** {@link GoContext#cancelOnDispose}: the pipeline owns its ctx. */
class CancelOnDisposeTest {

    @Test
    void aDownstreamCancelCancelsTheCtxWithACauseThatSaysSo() {
        CancellableContext ctx = Context.background().withCancel();
        PublisherProbe<Long> probe = PublisherProbe.of(Flux.interval(Duration.ofMillis(1)));
        StepVerifier.create(GoContext.cancelOnDispose(ctx, probe.flux()).take(3))
                .expectNextCount(3)
                .verifyComplete();
        probe.assertWasCancelled();
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause())
                .isInstanceOf(SubscriptionCancelledException.class)
                .hasMessage("subscription cancelled by downstream");
    }

    @Test
    void disposingASubscriptionCancelsTheCtx() {
        CancellableContext ctx = Context.background().withCancel();
        CancellableContext child = ctx.withCancel(); // work bound to ctx learns who canceled
        Disposable subscription = GoContext.cancelOnDispose(ctx, Mono.never()).subscribe();
        assertThat(ctx.err()).isNull();
        subscription.dispose();
        assertThat(child.cause()).isInstanceOf(SubscriptionCancelledException.class);
    }

    @Test
    void completionReleasesTheCtxPlainly() {
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(GoContext.cancelOnDispose(ctx, Mono.just(1)))
                .expectNext(1)
                .verifyComplete();
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void theSourceSeesTheOwnedCtx() {
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(GoContext.cancelOnDispose(ctx, GoContext.current()))
                .assertNext(found -> assertThat(found).isSameAs(ctx))
                .verifyComplete();
    }
}
