package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * {@code deadlineOf} never makes Reactor drop (and log at ERROR) an error that loses nothing:
 *
 * <ul>
 *   <li>a Mono's value is its outcome: once delivered, the ctx becoming done (for instance because
 *       the value's consumer ends the request) adds no error after it;
 *   <li>an error a source reports after {@code deadlineOf} stopped it is ignored (shown at DEBUG
 *       only): the ctx's own error (typically an inner {@code deadlineOf} on the same ctx whose
 *       delivery raced with the outer one, its error possibly wrapped by a client on the way), a
 *       consequence of the cancel (Spring's connector refusing a body it released on the cancel),
 *       or a failure that lost the race with it. The downstream has its outcome already, and an
 *       intentional cancellation must not make Reactor log an ERROR.
 *   <li>once the downstream cancelled, nothing the source sends reaches it: a value is discarded,
 *       an end or an error ignored (the error shown at DEBUG unless it is the ctx's own), as after
 *       {@code deadlineOf} stopped the source;
 *   <li>an error after the source's own terminal signal breaks the protocol and still goes to
 *       {@code onErrorDropped}.
 * </ul>
 */
class NoSpuriousDroppedErrorTest {
    private final List<Throwable> dropped = new CopyOnWriteArrayList<>();

    /**
     * The ctx alone in the Reactor context, without the dropped-error hook that {@code
     * GoContext.with} adds (which would quiet a dropped ctx error): these tests are about what
     * {@code deadlineOf} itself sends.
     */
    private static Function<reactor.util.context.Context, reactor.util.context.Context> ctxOnly(Context ctx) {
        return reactorContext -> reactorContext.put(GoContext.CONTEXT_KEY, ctx);
    }

    @BeforeEach
    void watchDroppedErrors() {
        Hooks.onErrorDropped(dropped::add);
    }

    @AfterEach
    void resetHooks() {
        Hooks.resetOnErrorDropped();
    }

    /** fused: {@code Mono.just} (SYNC fusion); plain: a non-fuseable source. */
    private static Mono<String> value(String kind) {
        return kind.equals("fused") ? Mono.just("value") : Mono.just("value").hide();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fused", "plain"})
    void aMonoCompletesWhenItsConsumerCancelsTheCtxInOnNext(String kind) {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofMinutes(1));
        Mono<String> pipeline =
                GoContext.deadlineOf(value(kind)).doOnNext(v -> ctx.cancel()).contextWrite(ctxOnly(ctx));

        StepVerifier.create(pipeline).expectNext("value").expectComplete().verify(Duration.ofSeconds(5));
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(dropped).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fused", "plain"})
    void aMonoCompletesWhenAFlatMapOfItsValueCancelsTheCtx(String kind) {
        CancellableContext ctx = Context.background().withCancel();
        Mono<String> pipeline = GoContext.deadlineOf(value(kind))
                .flatMap(x -> Mono.just(x).doOnNext(y -> ctx.cancel()))
                .contextWrite(ctxOnly(ctx));

        StepVerifier.create(pipeline).expectNext("value").expectComplete().verify(Duration.ofSeconds(5));
        assertThat(dropped).isEmpty();
    }

    @Test
    void aMonoWhoseSourceCompletesLateIsCompleteWithItsValue() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.mono()).contextWrite(ctxOnly(ctx)))
                .then(() -> source.next("v"))
                .expectNext("v")
                .then(ctx::cancel)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(dropped).isEmpty();
    }

    /** What a stopped source reports late. */
    enum LateError {
        /** the ctx's own error, as an inner {@code deadlineOf} delivers it */
        CTXS_OWN,
        /** the ctx's own error wrapped by a client on the way (WebClient's request exception, say) */
        CTXS_OWN_WRAPPED,
        /** what Spring's connector reports for a body it released on the cancel */
        RELEASED_ON_CANCEL,
        /** anything else: a failure that lost the race with the cancel */
        OTHER
    }

    private static Throwable lateError(LateError kind) {
        return switch (kind) {
            case CTXS_OWN -> Context.CANCELED;
            case CTXS_OWN_WRAPPED ->
                new IllegalStateException("request failed", new IllegalStateException("wrapped", Context.CANCELED));
            case RELEASED_ON_CANCEL ->
                new IllegalStateException("The client response body has been released already due to cancellation.");
            case OTHER -> new IllegalStateException("boom", new IllegalStateException("unrelated"));
        };
    }

    @ParameterizedTest
    @EnumSource(LateError.class)
    void aLateErrorFromAStoppedSourceIsNotDropped(LateError kind) {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(ctxOnly(ctx)))
                .then(ctx::cancel)
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verify(Duration.ofSeconds(5));
        source.assertCancelled();
        source.error(lateError(kind));

        assertThat(dropped).isEmpty();
    }

    /**
     * The downstream cancels (a server whose client went away), the ctx then ends (the request scope
     * ends it on that cancel), and the source, which had started a step as the cancel travelled up,
     * reports an error (the ctx's own, or one of the others a stopped source may report): nothing
     * reaches the downstream, nothing is dropped.
     */
    @ParameterizedTest
    @EnumSource(LateError.class)
    void anErrorAfterTheDownstreamCancelledIsNotForwarded(LateError kind) {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        List<String> signals = new CopyOnWriteArrayList<>();
        Disposable subscription = GoContext.deadlineOf(source.flux())
                .contextWrite(ctxOnly(ctx))
                .subscribe(
                        value -> signals.add("next " + value),
                        error -> signals.add("error " + error),
                        () -> signals.add("complete"));

        subscription.dispose();
        source.assertCancelled();
        ctx.cancel();
        source.error(lateError(kind));

        assertThat(signals).as("signals after the cancel").isEmpty();
        assertThat(dropped).isEmpty();
    }

    @Test
    void aValueOrAnEndAfterTheDownstreamCancelledIsNotForwarded() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        List<String> signals = new CopyOnWriteArrayList<>();
        List<Object> discarded = new CopyOnWriteArrayList<>();
        Disposable subscription = GoContext.deadlineOf(source.flux())
                .contextWrite(ctxOnly(ctx))
                .doOnDiscard(String.class, discarded::add)
                .subscribe(
                        value -> signals.add("next " + value),
                        error -> signals.add("error " + error),
                        () -> signals.add("complete"));
        source.next("before");

        subscription.dispose();
        source.next("after");
        source.complete();

        assertThat(signals).containsExactly("next before");
        assertThat(discarded).containsExactly("after");
        assertThat(dropped).isEmpty();
    }

    /**
     * A subscriber that cancels in {@code onSubscribe} (the inner of a {@code flatMap} that another
     * thread cancelled as it subscribed it) gets no error from a ctx that was done already: a
     * collector that its cancel emptied would drop it to {@code onErrorDropped}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"flux", "mono", "blocking"})
    void aCollectorThatCancelsAsItSubscribesGetsNoErrorFromADoneCtx(String kind) {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        Flux<String> source = switch (kind) {
            case "flux" -> GoContext.deadlineOf(Flux.just("a", "b"));
            case "mono" -> GoContext.deadlineOf(Mono.just("a")).flux();
            default -> GoContext.blocking(Schedulers.immediate(), c -> "a").flux();
        };
        List<String> signals = new CopyOnWriteArrayList<>();
        // collect, as Spring's DataBufferUtils.join does: its cancel empties the container, and an
        // error that finds no container is dropped
        source.collect(ArrayList<String>::new, List::add)
                .contextWrite(ctxOnly(ctx))
                .subscribe(new BaseSubscriber<List<String>>() {
                    @Override
                    protected void hookOnSubscribe(Subscription subscription) {
                        subscription.cancel();
                    }

                    @Override
                    protected void hookOnError(Throwable error) {
                        signals.add("error " + error);
                    }
                });

        assertThat(signals).isEmpty();
        assertThat(dropped).isEmpty();
    }

    @Test
    void aSubscriberThatDoesNotCancelGetsTheErrorOfADoneCtx() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();

        StepVerifier.create(GoContext.deadlineOf(Flux.just("a")).collectList().contextWrite(ctxOnly(ctx)))
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verify(Duration.ofSeconds(5));
        assertThat(dropped).isEmpty();
    }

    @Test
    void anErrorAfterTheSourcesOwnEndIsDropped() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(ctxOnly(ctx)))
                .then(source::complete)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        IllegalStateException late = new IllegalStateException("after complete");
        source.error(late);

        assertThat(dropped).containsExactly(late);
    }
}
