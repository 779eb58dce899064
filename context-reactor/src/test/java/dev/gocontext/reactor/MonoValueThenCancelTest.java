package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * A Mono's value is its outcome: once {@code deadlineOf(mono)} has delivered it, the ctx becoming
 * done (for instance because the value's consumer ends the request) must not add an error after
 * it. Reactor would drop that error and log it at ERROR ("onErrorDropped").
 */
class MonoValueThenCancelTest {
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
    @ParameterizedTest
    @ValueSource(strings = {"fused", "plain"})
    void consumerCancelingTheCtxInOnNextCompletesTheMonoWithoutAnError(String kind) {
        CancellableContext ctx = Context.background().withTimeout(Duration.ofMinutes(1));
        Function<String, Mono<String>> source =
                v -> kind.equals("fused") ? Mono.just(v) : Mono.just(v).hide();
        Mono<String> pipeline = GoContext.deadlineOf(source.apply("value"))
                .doOnNext(v -> ctx.cancel())
                .contextWrite(GoContext.with(ctx));

        StepVerifier.create(pipeline).expectNext("value").expectComplete().verify(Duration.ofSeconds(5));

        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(dropped).as("errors dropped after the value").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fused", "plain"})
    void flatMapOfTheValueCancelingTheCtxCompletesWithoutAnError(String kind) {
        CancellableContext ctx = Context.background().withCancel();
        Mono<Integer> value = kind.equals("fused") ? Mono.just(1) : Mono.just(1).hide();
        Mono<Integer> pipeline = GoContext.deadlineOf(value)
                .flatMap(x -> Mono.just(x).doOnNext(y -> ctx.cancel()))
                .contextWrite(GoContext.with(ctx));

        StepVerifier.create(pipeline).expectNext(1).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(dropped).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void aSourceThatCompletesLateAfterItsValueIsNotWaitedFor() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Mono<String> pipeline = GoContext.deadlineOf(source.mono()).contextWrite(GoContext.with(ctx));

        StepVerifier.create(pipeline)
                .then(() -> source.next("v"))
                .expectNext("v")
                .then(ctx::cancel)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(dropped).isEmpty();
    }
}
