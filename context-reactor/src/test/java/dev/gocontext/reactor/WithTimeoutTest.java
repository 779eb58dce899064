package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.DeadlineExceededException;
import dev.gocontext.Key;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;

/**
 * {@link GoContext#withTimeout} and {@link GoContext#withDeadline}: Go's per-call timeout as an
 * operator. Timing rules run under virtual time; each test checks when the error came, which ctx
 * the source saw, and what became of it.
 */
class WithTimeoutTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration BUDGET = Duration.ofMillis(300);
    private static final Key<String> USER = Key.of("user");

    /** The source's view: the ctx it ran under, captured at subscription. */
    private final AtomicReference<Context> seen = new AtomicReference<>();

    /** When the subscriber got its error, in virtual milliseconds. */
    private final AtomicLong errorAtMillis = new AtomicLong(-1);

    private <T> Flux<T> seeing(Flux<T> source) {
        return Flux.deferContextual(view -> {
            seen.set(GoContext.from(view));
            return source;
        });
    }

    private <T> Mono<T> seeing(Mono<T> source) {
        return Mono.deferContextual(view -> {
            seen.set(GoContext.from(view));
            return source;
        });
    }

    private <T> Function<Flux<T>, Flux<T>> timingTheError() {
        return flux -> flux.doOnError(this::timeTheError);
    }

    private <T> Function<Mono<T>, Mono<T>> timingTheMonoError() {
        return mono -> mono.doOnError(this::timeTheError);
    }

    private void timeTheError(Throwable error) {
        errorAtMillis.set(Schedulers.parallel().now(TimeUnit.MILLISECONDS));
    }

    /** A request ctx on Reactor's clock, so that virtual time moves its deadline too. */
    private static CancellableContext request(Duration timeout) {
        return Context.background()
                .withTimeSource(SchedulerTimeSource.parallel())
                .withValue(USER, "ada")
                .withTimeout(timeout);
    }

    // ------------------------------------------------------------------ whose deadline fires

    @Test
    void itsOwnDeadlineEndsTheSubscriptionWithDeadlineExceeded() {
        StepVerifier.withVirtualTime(() -> GoContext.withTimeout(seeing(Flux.interval(Duration.ofMillis(100))), BUDGET)
                        .transform(timingTheError()))
                .expectSubscription()
                .thenAwait(BUDGET)
                .expectNext(0L, 1L)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis).hasValue(300);
        assertThat(seen.get().err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(seen.get().deadline()).as("no ctx: a child of background").contains(Instant.EPOCH.plus(BUDGET));
    }

    @Test
    void underARequestTheChildIsTheRequestsAndTheRequestGoesOn() {
        AtomicReference<CancellableContext> request = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> {
                    request.set(request(Duration.ofSeconds(5)));
                    return GoContext.withTimeout(seeing(Mono.never()), BUDGET)
                            .transform(timingTheMonoError())
                            .contextWrite(GoContext.with(request.get()));
                })
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis).hasValue(300);
        Context child = seen.get();
        assertThat(child).isNotSameAs(request.get());
        assertThat(child.value(USER)).isEqualTo("ada");
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(request.get().err())
                .as("the operator never cancels the request")
                .isNull();
        request.get().cancel();
    }

    @Test
    void anEarlierParentDeadlineWinsAndTheCauseIsNotUsed() {
        AtomicReference<CancellableContext> request = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> {
                    request.set(request(Duration.ofMillis(200)));
                    return GoContext.withTimeout(seeing(Flux.never()), BUDGET, new IllegalStateException("mine"))
                            .transform(timingTheError())
                            .contextWrite(GoContext.with(request.get()));
                })
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis).hasValue(200);
        assertThat(seen.get().deadline()).isEqualTo(request.get().deadline());
        assertThat(seen.get().cause()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void aParentOnAnotherClockIsMeasuredOnItsOwnClock() {
        // a manual clock is not Reactor's: the child lives on Reactor's clock with what the parent has left
        ManualTimeSource manual = TimeSource.manual(Instant.parse("2030-01-01T00:00:00Z"));
        CancellableContext parent = Context.background().withTimeSource(manual).withTimeout(Duration.ofSeconds(1));
        manual.advance(Duration.ofMillis(800));
        StepVerifier.withVirtualTime(
                        () -> GoContext.withTimeout(seeing(Flux.never()), BUDGET, new IllegalStateException("mine"))
                                .transform(timingTheError())
                                .contextWrite(GoContext.with(parent)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis)
                .as("the parent's 200 ms left, not the child's 300")
                .hasValue(200);
        assertThat(seen.get().cause())
                .as("the parent's deadline, not the child's")
                .isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(parent.err()).isNull();
        parent.cancel();
        assertThat(seen.get().err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void aParentCanceledFirstEndsItWithTheParentsErrorAndCause() {
        CancellableContext request = Context.background().withCancel();
        PublisherProbe<Object> probe = PublisherProbe.of(Flux.never());
        StepVerifier.create(GoContext.withTimeout(seeing(probe.flux()), BUDGET).contextWrite(GoContext.with(request)))
                .expectSubscription()
                .then(() -> request.cancel(new IllegalStateException("client went away")))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        probe.assertWasCancelled();
        assertThat(seen.get().cause()).hasMessage("client went away");
    }

    @Test
    void theCauseIsTheChildsWhenItsOwnDeadlineFires() {
        IllegalStateException budget = new IllegalStateException("search budget spent");
        AtomicReference<Throwable> causeSeenInside = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> GoContext.withTimeout(
                                seeing(Flux.never())
                                        .doOnCancel(() ->
                                                causeSeenInside.set(seen.get().cause())),
                                BUDGET,
                                budget)
                        .transform(timingTheError()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis).hasValue(300);
        assertThat(causeSeenInside.get())
                .as("the work inside, stopped, can tell why")
                .isSameAs(budget);
        assertThat(seen.get().err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void nestedTimeoutsNarrowTheBudget() {
        AtomicReference<Context> outer = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> GoContext.withTimeout(
                                GoContext.withTimeout(seeing(Flux.never()), BUDGET)
                                        .contextWrite(c -> {
                                            outer.set(GoContext.from(c));
                                            return c;
                                        }),
                                Duration.ofMillis(500))
                        .transform(timingTheError()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis).as("the inner, narrower budget").hasValue(300);
        assertThat(seen.get().err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(outer.get().err())
                .as("the outer child, released when its subscription ended")
                .isSameAs(Context.CANCELED);

        errorAtMillis.set(-1);
        StepVerifier.withVirtualTime(() -> GoContext.withTimeout(
                                GoContext.withTimeout(seeing(Flux.never()), BUDGET, new IllegalStateException("inner")),
                                Duration.ofMillis(200))
                        .transform(timingTheError()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis).as("the outer budget is shorter: it wins").hasValue(200);
        assertThat(seen.get().cause()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    // ------------------------------------------------------------------ ends that are not the deadline

    @Test
    void aDownstreamCancelCancelsTheSourceThenTheChildWithACauseThatSaysSo() {
        PublisherProbe<Object> probe = PublisherProbe.of(Flux.never());
        StepVerifier.withVirtualTime(() -> GoContext.withTimeout(seeing(probe.flux()), BUDGET))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(100))
                .thenCancel()
                .verify(WAIT);
        probe.assertWasCancelled();
        assertThat(seen.get().err()).isSameAs(Context.CANCELED);
        assertThat(seen.get().cause()).isInstanceOf(SubscriptionCancelledException.class);
    }

    @Test
    void aMonoValueJustBeforeTheDeadlineWins() {
        StepVerifier.withVirtualTime(() -> GoContext.withTimeout(seeing(Mono.delay(Duration.ofMillis(299))), BUDGET))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(299))
                .expectNext(0L)
                .expectComplete()
                .verifyThenAssertThat(WAIT)
                .hasNotDroppedErrors()
                .hasNotDroppedElements();
        assertThat(seen.get().err()).as("released, not expired").isSameAs(Context.CANCELED);
        assertThat(seen.get().cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void completionAndErrorsPassThroughAndReleaseTheChildPlainly() {
        StepVerifier.create(GoContext.withTimeout(seeing(Flux.range(0, 3)), BUDGET))
                .expectNext(0, 1, 2)
                .expectComplete()
                .verify(WAIT);
        assertThat(seen.get().err()).isSameAs(Context.CANCELED);
        assertThat(seen.get().cause()).isSameAs(Context.CANCELED);

        IllegalStateException boom = new IllegalStateException("boom");
        StepVerifier.create(GoContext.withTimeout(seeing(Flux.concat(Flux.just(1), Flux.error(boom))), BUDGET))
                .expectNext(1)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                .verify(WAIT);
        assertThat(seen.get().cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void aBudgetSpentOrAParentDoneAtSubscriptionNeverSubscribesTheSource() {
        PublisherProbe<Object> spent = PublisherProbe.of(Flux.never());
        StepVerifier.create(GoContext.withTimeout(spent.flux(), Duration.ZERO))
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        spent.assertWasNotSubscribed();

        CancellableContext done = Context.background().withCancel();
        done.cancel();
        PublisherProbe<Object> late = PublisherProbe.of(Mono.never());
        StepVerifier.create(GoContext.withTimeout(late.mono(), BUDGET).contextWrite(GoContext.with(done)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        late.assertWasNotSubscribed();
    }

    @Test
    void aBudgetOfForeverNeverFires() {
        StepVerifier.withVirtualTime(
                        () -> GoContext.withTimeout(seeing(Flux.never()), Duration.ofSeconds(Long.MAX_VALUE)))
                .expectSubscription()
                .expectNoEvent(Duration.ofDays(365 * 100))
                .thenCancel()
                .verify(WAIT);
        assertThat(seen.get().cause()).isInstanceOf(SubscriptionCancelledException.class);
    }

    // ------------------------------------------------------------------ nothing left behind

    @Test
    void nothingStaysRegisteredOnTheParent() {
        CountingContext parent =
                CountingContext.countingChildren(Context.background().withTimeout(Duration.ofHours(1)));
        // the count sees a child that is not canceled...
        CancellableContext forgotten = parent.withCancel();
        assertThat(parent.liveRegistrations()).isOne();
        forgotten.cancel();
        assertThat(parent.liveRegistrations()).isZero();
        int before = parent.registered.get();

        // ... and none of these: every way a subscription ends
        StepVerifier.create(GoContext.withTimeout(Flux.range(0, 3), BUDGET).contextWrite(GoContext.with(parent)))
                .expectNextCount(3)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(
                        GoContext.withTimeout(Flux.range(0, 3).hide(), BUDGET).contextWrite(GoContext.with(parent)))
                .expectNextCount(3)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(GoContext.withTimeout(Mono.just(1), BUDGET).contextWrite(GoContext.with(parent)))
                .expectNext(1)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(GoContext.withTimeout(Flux.error(new IllegalStateException()), BUDGET)
                        .contextWrite(GoContext.with(parent)))
                .expectError(IllegalStateException.class)
                .verify(WAIT);
        StepVerifier.create(GoContext.withTimeout(Flux.never(), BUDGET).contextWrite(GoContext.with(parent)))
                .expectSubscription()
                .thenCancel()
                .verify(WAIT);
        StepVerifier.create(GoContext.withTimeout(Flux.range(0, 100), BUDGET)
                        .take(2)
                        .contextWrite(GoContext.with(parent)))
                .expectNextCount(2)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(GoContext.withTimeout(Mono.never(), Duration.ofMillis(20))
                        .contextWrite(GoContext.with(parent)))
                .expectError(DeadlineExceededException.class)
                .verify(WAIT); // its own deadline, on the real clock
        // The timer thread runs no user code: it hands the unregistration from this user-written
        // parent to the library's deadline pool, which may run it just after the subscriber got
        // the error. Everything else here unregisters before its subscriber hears the outcome.
        await().atMost(WAIT).until(() -> parent.liveRegistrations() == 0);
        StepVerifier.withVirtualTime(
                        () -> GoContext.withTimeout(Mono.never(), BUDGET).contextWrite(GoContext.with(parent)))
                .expectSubscription()
                .thenAwait(BUDGET)
                .expectError(DeadlineExceededException.class)
                .verify(WAIT); // its own deadline, on Reactor's virtual clock

        assertThat(parent.registered.get() - before)
                .as("one child per subscription")
                .isEqualTo(8);
        assertThat(parent.liveRegistrations()).isZero();
        assertThat(parent.err()).isNull();
        parent.cancel();
    }

    // ------------------------------------------------------------------ withDeadline

    @Test
    void withDeadlineEndsAtAnInstantOfTheParentsClock() {
        StepVerifier.withVirtualTime(() -> GoContext.withDeadline(
                                seeing(Flux.never()),
                                Instant.EPOCH.plusMillis(300),
                                new IllegalStateException("closing"))
                        .transform(timingTheError())
                        .contextWrite(GoContext.with(request(Duration.ofSeconds(5)))))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis).hasValue(300);
        assertThat(seen.get().cause()).hasMessage("closing");

        ManualTimeSource manual = TimeSource.manual(Instant.parse("2030-01-01T00:00:00Z"));
        Context onManual = Context.background().withTimeSource(manual);
        errorAtMillis.set(-1);
        StepVerifier.withVirtualTime(() -> GoContext.withDeadline(
                                seeing(Mono.never()), manual.now().plusMillis(250))
                        .transform(timingTheMonoError())
                        .contextWrite(GoContext.with(onManual)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(errorAtMillis)
                .as("250 ms of the manual clock, on Reactor's timer")
                .hasValue(250);

        PublisherProbe<Object> past = PublisherProbe.of(Flux.never());
        StepVerifier.create(GoContext.withDeadline(past.flux(), Instant.now().minusSeconds(1)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        past.assertWasNotSubscribed();
    }

    // ------------------------------------------------------------------ the real clock

    @Test
    void onTheRealClockTheChildIsGosChildOfTheRequest() {
        try (CancellableContext request = Context.background().withTimeout(Duration.ofHours(1))) {
            StepVerifier.create(GoContext.withTimeout(seeing(Mono.never()), Duration.ofMillis(50))
                            .contextWrite(GoContext.with(request)))
                    .expectSubscription()
                    .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                    .verify(WAIT);
            assertThat(seen.get().timeSource()).isSameAs(TimeSource.system());
            assertThat(seen.get().deadline().orElseThrow())
                    .isBefore(request.deadline().orElseThrow());
            assertThat(request.err()).isNull();

            // a request with less time left than the budget: the child has the request's deadline
            try (CancellableContext shorter = request.withTimeout(Duration.ofMinutes(1))) {
                StepVerifier.create(GoContext.withTimeout(seeing(Mono.just(1)), Duration.ofMinutes(10))
                                .contextWrite(GoContext.with(shorter)))
                        .expectNext(1)
                        .expectComplete()
                        .verify(WAIT);
                assertThat(seen.get().deadline()).isEqualTo(shorter.deadline());
            }
        }
    }

    // ------------------------------------------------------------------ operator

    @Test
    void scannableAttributesAndNamesDescribeTheOperator() {
        Flux<Object> source = Flux.never();
        Flux<Object> bounded = GoContext.withTimeout(source, BUDGET);
        Scannable operator = Scannable.from(bounded);
        assertThat(operator.scan(Scannable.Attr.PARENT)).isSameAs(source);
        assertThat(operator.scan(Scannable.Attr.RUN_STYLE)).isEqualTo(Scannable.Attr.RunStyle.SYNC);
        assertThat(bounded).hasToString("withTimeout(PT0.3S)");
        assertThat(Scannable.from(GoContext.withDeadline(Mono.never(), Instant.EPOCH))
                        .scan(Scannable.Attr.RUN_STYLE))
                .isEqualTo(Scannable.Attr.RunStyle.SYNC);

        AtomicReference<Scannable> owner = new AtomicReference<>();
        StepVerifier.create(bounded.doOnSubscribe(s -> owner.set(Scannable.from(s))))
                .expectSubscription()
                .then(() -> {
                    assertThat(owner.get().scan(Scannable.Attr.PARENT)).isInstanceOf(DeadlineSubscriber.class);
                    assertThat(owner.get().scan(Scannable.Attr.ACTUAL)).isNotNull();
                    assertThat(owner.get().scan(Scannable.Attr.CANCELLED)).isFalse();
                    assertThat(owner.get().scan(Scannable.Attr.TERMINATED)).isFalse();
                })
                .thenCancel()
                .verify(WAIT);
        assertThat(owner.get().scan(Scannable.Attr.CANCELLED)).isTrue();
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> GoContext.withTimeout((Flux<Object>) null, BUDGET))
                .hasMessage("source");
        assertThatThrownBy(() -> GoContext.withTimeout((Mono<Object>) null, BUDGET))
                .hasMessage("source");
        assertThatThrownBy(() -> GoContext.withTimeout(Flux.never(), null)).hasMessage("timeout");
        assertThatThrownBy(() -> GoContext.withTimeout(Mono.never(), null, new IllegalStateException()))
                .hasMessage("timeout");
        assertThatThrownBy(() -> GoContext.withTimeout(Flux.never(), BUDGET, null))
                .hasMessage("cause");
        assertThatThrownBy(() -> GoContext.withDeadline(Flux.never(), null)).hasMessage("deadline");
        assertThatThrownBy(() -> GoContext.withDeadline(Mono.never(), Instant.EPOCH, null))
                .hasMessage("cause");
    }
}
