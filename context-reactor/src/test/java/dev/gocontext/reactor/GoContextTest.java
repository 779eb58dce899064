package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.Key;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@link GoContext#with}, {@link GoContext#from}, {@link GoContext#current}, {@link GoContext#done}. */
class GoContextTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Key<String> USER = Key.of("user");

    @Test
    void withPutsTheCtxWhereFromAndCurrentFindIt() {
        Context ctx = Context.background().withValue(USER, "ada");
        StepVerifier.create(GoContext.current().contextWrite(GoContext.with(ctx)))
                .assertNext(found -> assertThat(found).isSameAs(ctx))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(Mono.deferContextual(
                                view -> Mono.just(GoContext.from(view).value(USER)))
                        .contextWrite(GoContext.with(ctx)))
                .expectNext("ada")
                .expectComplete()
                .verify(WAIT);
        assertThat(GoContext.from(reactor.util.context.Context.of(GoContext.CONTEXT_KEY, ctx)))
                .isSameAs(ctx);
    }

    @Test
    void withoutACtxFromAndCurrentGiveBackground() {
        assertThat(GoContext.from(reactor.util.context.Context.empty())).isSameAs(Context.background());
        assertThat(GoContext.from(reactor.util.context.Context.of("other", "value")))
                .isSameAs(Context.background());
        StepVerifier.create(GoContext.current())
                .expectNext(Context.background())
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void theNearestWithWins() {
        Context outer = Context.background().withValue(USER, "outer");
        Context inner = Context.background().withValue(USER, "inner");
        StepVerifier.create(
                        GoContext.current().contextWrite(GoContext.with(inner)).contextWrite(GoContext.with(outer)))
                .expectNext(inner)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void doneCompletesWhenTheCtxIsCanceled() {
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(GoContext.done(ctx))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(10))
                .then(ctx::cancel)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void doneCompletesAtOnceForADoneCtxAndNeverForBackground() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        StepVerifier.create(GoContext.done(ctx)).expectComplete().verify(WAIT);
        StepVerifier.create(GoContext.done(Context.background()))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(20))
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    void doneFollowsADeadlineOnAParallelThread() {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(500));
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicReference<Boolean> doneAtSubscription = new AtomicReference<>();
        StepVerifier.create(GoContext.done(ctx)
                        .doOnSubscribe(s -> doneAtSubscription.set(ctx.err() != null))
                        .doOnSuccess(v -> thread.set(Thread.currentThread().getName())))
                .expectComplete()
                .verify(WAIT);
        if (!doneAtSubscription.get()) { // a very slow machine may take the 500 ms before subscribing
            assertThat(thread.get()).startsWith("parallel-");
        }
    }

    @Test
    void cancellingDoneUnregistersIt() {
        CountingContext ctx = CountingContext.over(Context.background().withCancel());
        StepVerifier.create(GoContext.done(ctx))
                .expectSubscription()
                .thenCancel()
                .verify(WAIT);
        StepVerifier.create(GoContext.done(ctx).timeout(Duration.ofMillis(10), Mono.empty()))
                .expectComplete()
                .verify(WAIT);
        assertThat(ctx.registered.get()).isEqualTo(2);
        assertThat(ctx.liveRegistrations()).isZero();
        ctx.cancel();
    }

    @Test
    void doneWorksAsATakeUntilSignal() {
        CancellableContext ctx = Context.background().withCancel();
        StepVerifier.create(reactor.core.publisher.Flux.never().takeUntilOther(GoContext.done(ctx)))
                .expectSubscription()
                .then(ctx::cancel)
                .expectComplete()
                .verify(WAIT);
    }
}
