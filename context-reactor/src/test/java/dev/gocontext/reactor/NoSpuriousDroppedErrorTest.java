package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
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
 *   <li>an error after the source's own terminal signal breaks the protocol and still goes to
 *       {@code onErrorDropped}.
 * </ul>
 */
class NoSpuriousDroppedErrorTest {
    private final List<Throwable> dropped = new CopyOnWriteArrayList<>();

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
                GoContext.deadlineOf(value(kind)).doOnNext(v -> ctx.cancel()).contextWrite(GoContext.with(ctx));

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
                .contextWrite(GoContext.with(ctx));

        StepVerifier.create(pipeline).expectNext("value").expectComplete().verify(Duration.ofSeconds(5));
        assertThat(dropped).isEmpty();
    }

    @Test
    void aMonoWhoseSourceCompletesLateIsCompleteWithItsValue() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.mono()).contextWrite(GoContext.with(ctx)))
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

    @ParameterizedTest
    @EnumSource(LateError.class)
    void aLateErrorFromAStoppedSourceIsNotDropped(LateError kind) {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                .then(ctx::cancel)
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verify(Duration.ofSeconds(5));
        source.assertCancelled();
        Throwable late = switch (kind) {
            case CTXS_OWN -> Context.CANCELED;
            case CTXS_OWN_WRAPPED ->
                new IllegalStateException("request failed", new IllegalStateException("wrapped", Context.CANCELED));
            case RELEASED_ON_CANCEL ->
                new IllegalStateException("The client response body has been released already due to cancellation.");
            case OTHER -> new IllegalStateException("boom", new IllegalStateException("unrelated"));
        };
        source.error(late);

        assertThat(dropped).isEmpty();
    }

    @Test
    void anErrorAfterTheSourcesOwnEndIsDropped() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                .then(source::complete)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        IllegalStateException late = new IllegalStateException("after complete");
        source.error(late);

        assertThat(dropped).containsExactly(late);
    }
}
