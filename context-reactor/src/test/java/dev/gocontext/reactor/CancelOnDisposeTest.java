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
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aDownstreamCancelCancelsTheCtxWithACauseThatSaysSo() {
        CancellableContext ctx = Context.background().withCancel();
        PublisherProbe<Long> probe = PublisherProbe.of(Flux.interval(Duration.ofMillis(1)));
        StepVerifier.create(GoContext.cancelOnDispose(ctx, probe.flux()).take(3))
                .expectNextCount(3)
                .expectComplete()
                .verify(WAIT);
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
                .expectComplete()
                .verify(WAIT);
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void aSourceErrorPassesThroughAndReleasesTheCtxPlainly() {
        IllegalStateException boom = new IllegalStateException("boom");
        CancellableContext ctx = Context.background().withCancel();
        CancellableContext child = ctx.withCancel(); // work bound to ctx
        StepVerifier.create(GoContext.cancelOnDispose(ctx, Flux.concat(Flux.just(1), Flux.error(boom))))
                .expectNext(1)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                .verify(WAIT);
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause())
                .as("nobody cancelled the subscription: no cause")
                .isSameAs(Context.CANCELED);
        assertThat(child.err()).isSameAs(Context.CANCELED);

        CancellableContext monoCtx = Context.background().withCancel();
        StepVerifier.create(GoContext.cancelOnDispose(monoCtx, Mono.error(boom)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                .verify(WAIT);
        assertThat(monoCtx.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void theSourceSeesTheOwnedCtx() {
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(GoContext.cancelOnDispose(ctx, GoContext.current()))
                .assertNext(found -> assertThat(found).isSameAs(ctx))
                .expectComplete()
                .verify(WAIT);
    }
}
