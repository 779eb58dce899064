package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;
import reactor.test.publisher.TestPublisher;

/** Every rule of {@link GoContext#deadlineOf}, for Flux and Mono, fused and not. */
class DeadlineOfTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ no ctx

    @Test
    void withoutCtxTheSourceRunsUnchanged() {
        AtomicReference<Subscription> seen = new AtomicReference<>();
        Flux.range(0, 3).as(GoContext::deadlineOf).subscribe(new BaseSubscriber<Integer>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                seen.set(subscription);
                requestUnbounded();
            }
        });
        assertThat(seen.get()).isNotInstanceOf(DeadlineSubscriber.class);
        assertThat(seen.get()).isInstanceOf(Fuseable.QueueSubscription.class); // range's own
    }

    @Test
    void aCtxThatCanNeverBeDoneLeavesTheSourceUnchanged() {
        Context never = Context.background().withValue(dev.gocontext.Key.of("k"), "v");
        AtomicReference<Subscription> seen = new AtomicReference<>();
        Flux.range(0, 3)
                .as(GoContext::deadlineOf)
                .contextWrite(GoContext.with(never))
                .subscribe(new BaseSubscriber<Integer>() {
                    @Override
                    protected void hookOnSubscribe(Subscription subscription) {
                        seen.set(subscription);
                        requestUnbounded();
                    }
                });
        assertThat(seen.get()).isNotInstanceOf(DeadlineSubscriber.class);
    }

    @Test
    void aLiveCtxRelaysEverything() {
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofHours(1))) {
            StepVerifier.create(GoContext.deadlineOf(Flux.range(0, 5)).contextWrite(GoContext.with(ctx)))
                    .expectNext(0, 1, 2, 3, 4)
                    .expectComplete()
                    .verify(WAIT);
            StepVerifier.create(GoContext.deadlineOf(Mono.just("x")).contextWrite(GoContext.with(ctx)))
                    .expectNext("x")
                    .expectComplete()
                    .verify(WAIT);
            StepVerifier.create(GoContext.deadlineOf(Flux.range(0, 5).hide()).contextWrite(GoContext.with(ctx)))
                    .expectNext(0, 1, 2, 3, 4)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(ctx.err()).isNull();
        }
    }

    @Test
    void sourceErrorsPassThrough() {
        IllegalStateException boom = new IllegalStateException("boom");
        try (CancellableContext ctx = Context.background().withCancel()) {
            StepVerifier.create(GoContext.deadlineOf(Flux.concat(Flux.just(1), Flux.error(boom)))
                            .contextWrite(GoContext.with(ctx)))
                    .expectNext(1)
                    .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                    .verify(WAIT);
            StepVerifier.create(GoContext.deadlineOf(Flux.range(0, 5).map(i -> {
                                if (i == 2) {
                                    throw boom;
                                }
                                return i;
                            }))
                            .contextWrite(GoContext.with(ctx)))
                    .expectNext(0, 1)
                    .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
                    .verify(WAIT);
            assertThat(ctx.err()).isNull();
        }
    }

    // ------------------------------------------------------------------ done at subscription

    @Test
    void aCtxDoneAtSubscriptionNeverSubscribesTheSource() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel(new IllegalStateException("why"));
        PublisherProbe<Integer> flux = PublisherProbe.of(Flux.range(0, 3));
        StepVerifier.create(GoContext.deadlineOf(flux.flux()).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        flux.assertWasNotSubscribed();

        PublisherProbe<Integer> mono = PublisherProbe.of(Mono.just(1));
        CancellableContext expired = Context.background().withTimeout(Duration.ZERO);
        StepVerifier.create(GoContext.deadlineOf(mono.mono()).contextWrite(GoContext.with(expired)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        mono.assertWasNotSubscribed();
    }

    @Test
    void aDeadlineThatHasPassedButNotYetFiredCountsAsExceeded() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.EPOCH);
        TimeSource lateTimers = new TimeSource() {
            @Override
            public Instant now() {
                return now.get();
            }

            @Override
            public dev.gocontext.Registration schedule(Runnable task, Duration delay) {
                return () -> true; // its timers are late: they have not fired yet
            }
        };
        CancellableContext ctx = Context.background().withTimeSource(lateTimers).withTimeout(Duration.ofSeconds(1));
        now.set(Instant.EPOCH.plusSeconds(2));
        PublisherProbe<Integer> probe = PublisherProbe.of(Flux.never());
        StepVerifier.create(GoContext.deadlineOf(probe.flux()).contextWrite(GoContext.with(ctx)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        probe.assertWasNotSubscribed();
        assertThat(ctx.err()).isNull();
        ctx.cancel();
    }

    // ------------------------------------------------------------------ done while subscribed

    @Test
    void cancelWhileSubscribedCancelsTheSourceThenSignalsErr() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<Integer> source = TestPublisher.create();
        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                .then(() -> source.next(1, 2))
                .expectNext(1, 2)
                .then(ctx::cancel)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        source.assertCancelled();
        source.assertSubscribers(0);
    }

    @Test
    void cancelWhileSubscribedCancelsAFusedSource() {
        CancellableContext ctx = Context.background().withCancel();
        PublisherProbe<Integer> probe = PublisherProbe.of(Flux.range(0, Integer.MAX_VALUE));
        StepVerifier.create(GoContext.deadlineOf(probe.flux()).contextWrite(GoContext.with(ctx)), 0)
                .thenRequest(3)
                .expectNext(0, 1, 2)
                .then(ctx::cancel)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        probe.assertWasCancelled();
    }

    @Test
    void cancelWhileSubscribedCancelsAMono() {
        CancellableContext ctx = Context.background().withCancel();
        PublisherProbe<Object> probe = PublisherProbe.of(Mono.never());
        StepVerifier.create(GoContext.deadlineOf(probe.mono()).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .then(ctx::cancel)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        probe.assertWasCancelled();
    }

    @Test
    void aParentsCancelReachesTheBoundSubscription() {
        CancellableContext parent = Context.background().withCancel();
        CancellableContext child = parent.withTimeout(Duration.ofHours(1));
        PublisherProbe<Object> probe = PublisherProbe.of(Flux.never());
        StepVerifier.create(GoContext.deadlineOf(probe.flux()).contextWrite(GoContext.with(child)))
                .expectSubscription()
                .then(() -> parent.cancel(new IllegalStateException("shutting down")))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);
        probe.assertWasCancelled();
        assertThat(child.cause()).hasMessage("shutting down");
    }

    @Test
    void cancelIsDeliveredOnTheCancelingThreadBeforeCancelReturns() {
        CancellableContext ctx = Context.background().withCancel();
        List<String> events = new CopyOnWriteArrayList<>();
        GoContext.deadlineOf(Flux.never())
                .contextWrite(GoContext.with(ctx))
                .subscribe(
                        v -> {},
                        e -> events.add("error on " + Thread.currentThread().getName()));
        ctx.cancel();
        events.add("cancel returned");
        assertThat(events).containsExactly("error on " + Thread.currentThread().getName(), "cancel returned");
    }

    @Test
    void theCauseIsReadableOnTheErrorPath() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<Integer> source = TestPublisher.create();
        StepVerifier.create(GoContext.deadlineOf(source.flux())
                        .onErrorResume(
                                ContextException.class,
                                e -> GoContext.cause()
                                        .flatMap(cause -> Mono.error(
                                                new IllegalStateException("stopped: " + cause.getMessage()))))
                        .contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .then(() -> ctx.cancel(new IllegalArgumentException("client went away")))
                .expectErrorMessage("stopped: client went away")
                .verify(WAIT);
        StepVerifier.create(GoContext.cause().contextWrite(GoContext.with(Context.background())))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void elementsAfterTheDoneSignalAreNotDelivered() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<Integer> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        List<Object> signals = new CopyOnWriteArrayList<>();
        GoContext.deadlineOf(source.flux())
                .contextWrite(GoContext.with(ctx))
                .subscribe(signals::add, signals::add, () -> signals.add("complete"));
        source.next(1);
        ctx.cancel();
        source.next(2); // a source that ignores cancel
        source.complete();
        assertThat(signals).containsExactly(1, Context.CANCELED);
    }

    // ------------------------------------------------------------------ deadlines

    @Test
    void aDeadlineOnTheSystemClockIsEnforcedWithVirtualTime() {
        // real time passes between the ctx's creation and the subscription; with an hour to go and
        // elements every ten minutes, that moves nothing observable, however loaded the machine
        CancellableContext ctx = Context.background().withTimeout(Duration.ofHours(1));
        AtomicReference<PublisherProbe<Long>> probe = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> {
                    // assembled here, so that interval takes the virtual-time scheduler
                    probe.set(PublisherProbe.of(Flux.interval(Duration.ofMinutes(10))));
                    return GoContext.deadlineOf(probe.get().flux()).contextWrite(GoContext.with(ctx));
                })
                .expectSubscription()
                .thenAwait(Duration.ofMinutes(50))
                .expectNext(0L, 1L, 2L, 3L, 4L)
                .thenAwait(Duration.ofMinutes(10))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        probe.get().assertWasCancelled();
        assertThat(ctx.err()).as("the operator never cancels the ctx").isNull();
        ctx.cancel();
    }

    @Test
    void theReactorTimerRunsOnTheRemainingTimeExactly() {
        // a manual clock does not move between the ctx's creation and the subscription
        ManualTimeSource time = TimeSource.manual(Instant.EPOCH);
        CancellableContext ctx = Context.background().withTimeSource(time).withTimeout(Duration.ofSeconds(5));
        time.advance(Duration.ofSeconds(2));
        PublisherProbe<Object> probe = PublisherProbe.of(Flux.never());
        StepVerifier.withVirtualTime(() -> GoContext.deadlineOf(probe.flux()).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(2999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        probe.assertWasCancelled();
        assertThat(ctx.err()).isNull();
        ctx.cancel();
    }

    @Test
    void aMonoDeadlineIsEnforcedWithVirtualTime() {
        ManualTimeSource time = TimeSource.manual(Instant.EPOCH);
        CancellableContext ctx = Context.background().withTimeSource(time).withTimeout(Duration.ofSeconds(3));
        PublisherProbe<Long> probe = PublisherProbe.of(Mono.never());
        StepVerifier.withVirtualTime(() -> GoContext.deadlineOf(probe.mono()).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(2999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isSameAs(Context.DEADLINE_EXCEEDED)
                        .isNotInstanceOf(java.util.concurrent.TimeoutException.class))
                .verify(WAIT);
        probe.assertWasCancelled();
        ctx.cancel();
    }

    @Test
    void virtualTimeMovesCtxDeadlinesAndReactorTimersTogether() {
        AtomicReference<CancellableContext> ctx = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> {
                    Context root = Context.background().withTimeSource(SchedulerTimeSource.parallel());
                    ctx.set(root.withTimeout(Duration.ofSeconds(5)));
                    return GoContext.deadlineOf(Flux.interval(Duration.ofSeconds(1)))
                            .contextWrite(GoContext.with(ctx.get()));
                })
                .thenAwait(Duration.ofSeconds(4))
                .expectNextCount(4)
                .then(() -> assertThat(ctx.get().err()).isNull())
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(ctx.get().err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void aSourceFailingBecauseItsCtxEndedStillEndsWithTheCtxsError() {
        // A source that reacts to the ctx itself (a client whose connection the ctx closes) can fail
        // before the done signal reaches deadlineOf, which a deadline delivers on parallel: the ctx
        // ended first, so its error is the outcome.
        AtomicReference<CancellableContext> ctx = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> {
                    ctx.set(Context.background()
                            .withTimeSource(SchedulerTimeSource.parallel())
                            .withTimeout(Duration.ofSeconds(1)));
                    Mono<Object> closedByTheCtx = Mono.create(sink ->
                            ctx.get().afterDone(() -> sink.error(new IOException("connection closed")), Runnable::run));
                    return GoContext.deadlineOf(closedByTheCtx).contextWrite(GoContext.with(ctx.get()));
                })
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(ctx.get().err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void aDeadlineAtOrBeyondForeverIsNeverScheduled() {
        // subscribed once virtual time has moved: "now + delay" must not overflow into the past
        CancellableContext forever = Context.background().withTimeout(Duration.ofSeconds(Long.MAX_VALUE));
        PublisherProbe<Object> probe = PublisherProbe.of(Flux.never());
        AtomicReference<Scannable> bound = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofSeconds(1))
                        .thenMany(GoContext.deadlineOf(probe.flux()).doOnSubscribe(s -> bound.set(Scannable.from(s))))
                        .contextWrite(GoContext.with(forever)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(bound.get().scan(Scannable.Attr.RUN_ON))
                        .as("no Reactor timer for a deadline that never fires")
                        .isNull())
                .thenAwait(Duration.ofDays(365 * 100))
                .expectNoEvent(Duration.ofDays(1))
                .thenCancel()
                .verify(WAIT);
        probe.assertWasSubscribed();
        forever.cancel();
    }

    @Test
    void aRealDeadlineOnTheSystemClockUsesTheCtxTimerAndDeliversOnParallel() {
        // The ctx must still be live when it is bound. A round whose ctx expired before that (a
        // machine too loaded to subscribe within 200 ms) proves nothing: it is run again.
        for (int round = 1; ; round++) {
            CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(200));
            AtomicReference<Scannable> bound = new AtomicReference<>();
            AtomicReference<String> thread = new AtomicReference<>();
            StepVerifier.create(GoContext.deadlineOf(Flux.never())
                            .doOnSubscribe(s -> bound.set(Scannable.from(s)))
                            .doOnError(e -> thread.set(Thread.currentThread().getName()))
                            .contextWrite(GoContext.with(ctx)))
                    .expectSubscription()
                    .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                    .verify(WAIT);
            if (!(bound.get() instanceof DeadlineSubscriber)) {
                assertThat(round)
                        .as("rounds whose ctx expired before it was bound")
                        .isLessThan(5);
                continue;
            }
            assertThat(bound.get().scan(Scannable.Attr.RUN_ON))
                    .as("no Reactor timer: the ctx's own timer measures the same clock")
                    .isNull();
            assertThat(ctx.err()).as("the ctx's own timer fired").isSameAs(Context.DEADLINE_EXCEEDED);
            assertThat(thread.get())
                    .as("delivered where Reactor's timers deliver")
                    .startsWith("parallel-");
            return;
        }
    }

    @Test
    void aDeadlineOnAnotherClockGetsAReactorTimer() {
        ManualTimeSource time = TimeSource.manual(Instant.EPOCH);
        CancellableContext ctx = Context.background().withTimeSource(time).withTimeout(Duration.ofMillis(30));
        AtomicReference<Scannable> bound = new AtomicReference<>();
        StepVerifier.create(GoContext.deadlineOf(Flux.never())
                        .doOnSubscribe(s -> bound.set(Scannable.from(s)))
                        .contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .then(() -> assertThat(bound.get().scan(Scannable.Attr.RUN_ON)).isEqualTo(Schedulers.parallel()))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.DEADLINE_EXCEEDED))
                .verify(WAIT);
        assertThat(ctx.err()).isNull(); // the manual clock never moved: the operator left the ctx alone
        ctx.cancel();
    }

    // ------------------------------------------------------------------ release

    @Test
    void everyEndingRemovesTheRegistrationAndNeverCancelsTheCtx() {
        CountingContext ctx = CountingContext.over(Context.background().withTimeout(Duration.ofHours(1)));

        StepVerifier.create(GoContext.deadlineOf(Flux.range(0, 3)).contextWrite(GoContext.with(ctx)))
                .expectNextCount(3)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(GoContext.deadlineOf(Flux.range(0, 3).hide()).contextWrite(GoContext.with(ctx)))
                .expectNextCount(3)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(GoContext.deadlineOf(Flux.error(new IllegalStateException()))
                        .contextWrite(GoContext.with(ctx)))
                .expectError(IllegalStateException.class)
                .verify(WAIT);
        StepVerifier.create(GoContext.deadlineOf(Flux.never()).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .thenCancel()
                .verify(WAIT);
        StepVerifier.create(GoContext.deadlineOf(Flux.range(0, 100)).take(2).contextWrite(GoContext.with(ctx)))
                .expectNextCount(2)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(GoContext.deadlineOf(Mono.just(1)).contextWrite(GoContext.with(ctx)))
                .expectNext(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(ctx.registered.get()).isEqualTo(6);
        assertThat(ctx.liveRegistrations()).isZero();
        assertThat(ctx.err()).isNull();
        ctx.cancel();
    }

    @Test
    void subscriptionsEndedByReactorsTimerRemoveTheirRegistrationFromTheLiveCtx() {
        // The ctx's clock is not Reactor's: Reactor's timer ends the subscriptions while the ctx
        // stays live, so each registration must be stopped (a fired one would not count).
        ManualTimeSource time = TimeSource.manual(Instant.EPOCH);
        CountingContext ctx =
                CountingContext.over(Context.background().withTimeSource(time).withTimeout(Duration.ofSeconds(1)));
        // the count sees a registration that is neither stopped nor fired...
        dev.gocontext.Registration forgotten = ctx.afterDone(() -> {});
        assertThat(ctx.liveRegistrations()).isOne();
        forgotten.stop();

        // ... and none of these five, fused and not, Flux and Mono
        StepVerifier.withVirtualTime(() -> Flux.merge(
                                untilTheDeadline(GoContext.deadlineOf(Flux.never())),
                                untilTheDeadline(
                                        GoContext.deadlineOf(Flux.never().hide())),
                                untilTheDeadline(
                                        GoContext.deadlineOf(Mono.never()).flux()),
                                untilTheDeadline(GoContext.deadlineOf(Flux.interval(Duration.ofMillis(300)))),
                                untilTheDeadline(GoContext.deadlineOf(Mono.delay(Duration.ofHours(1)))
                                        .flux()))
                        .collectList()
                        .contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(signals -> assertThat(signals)
                        .filteredOn(DEADLINE::equals)
                        .as("every subscription ended by Reactor's timer")
                        .hasSize(5))
                .expectComplete()
                .verify(WAIT);
        assertThat(ctx.registered.get()).isEqualTo(1 + 5);
        assertThat(ctx.liveRegistrations()).isZero();
        assertThat(ctx.err()).isNull();
        ctx.cancel();
    }

    private static final String DEADLINE = "ended by the deadline";

    private static Flux<Object> untilTheDeadline(Flux<?> bound) {
        return bound.cast(Object.class).onErrorResume(e -> e == Context.DEADLINE_EXCEEDED, e -> Mono.just(DEADLINE));
    }

    @Test
    void theActiveGaugeFollowsBoundSubscriptions() {
        long before = BridgeStats.active();
        try (CancellableContext ctx = Context.background().withCancel()) {
            TestPublisher<Integer> source = TestPublisher.create();
            StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                    .expectSubscription()
                    .then(() -> assertThat(BridgeStats.active()).isEqualTo(before + 1))
                    .then(source::complete)
                    .expectComplete()
                    .verify(WAIT);
        }
        assertThat(BridgeStats.active()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ fusion and Scannable

    @Test
    void downstreamFusionIsRefused() {
        try (CancellableContext ctx = Context.background().withCancel()) {
            StepVerifier.create(GoContext.deadlineOf(Flux.range(0, 3)).contextWrite(GoContext.with(ctx)))
                    .expectFusion(Fuseable.ANY, Fuseable.NONE)
                    .expectNext(0, 1, 2)
                    .expectComplete()
                    .verify(WAIT);
        }
    }

    @Test
    void aSyncSourceIsFusedAndAnAsyncOneIsNot() {
        try (CancellableContext ctx = Context.background().withCancel()) {
            AtomicReference<Scannable> fused = new AtomicReference<>();
            GoContext.deadlineOf(Flux.range(0, 3))
                    .doOnSubscribe(s -> fused.set(Scannable.from(s)))
                    .contextWrite(GoContext.with(ctx))
                    .blockLast();
            assertThat(fused.get().scanUnsafe(Scannable.Attr.REQUESTED_FROM_DOWNSTREAM))
                    .as("SYNC-fused: demand is tracked here")
                    .isNotNull();

            AtomicReference<Scannable> plain = new AtomicReference<>();
            GoContext.deadlineOf(Flux.range(0, 3).publishOn(Schedulers.single()))
                    .doOnSubscribe(s -> plain.set(Scannable.from(s)))
                    .contextWrite(GoContext.with(ctx))
                    .blockLast();
            assertThat(plain.get().scanUnsafe(Scannable.Attr.REQUESTED_FROM_DOWNSTREAM))
                    .isNull();
        }
    }

    @Test
    void requestsReachANonFusedSourceOneAtATime() throws Exception {
        // Reactive Streams rule 2.7: the requests held back while the downstream's onSubscribe ran
        // are forwarded right after it; a request from another thread meanwhile must wait its turn
        AtomicInteger inRequest = new AtomicInteger();
        AtomicInteger overlapping = new AtomicInteger();
        AtomicLong requested = new AtomicLong();
        AtomicBoolean first = new AtomicBoolean(true);
        CountDownLatch secondRequestReturned = new CountDownLatch(1);
        AtomicReference<Subscription> downstream = new AtomicReference<>();
        ExecutorService otherThread = Executors.newSingleThreadExecutor();
        Flux<Integer> source = Flux.from(subscriber -> subscriber.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
                if (inRequest.incrementAndGet() != 1) {
                    overlapping.incrementAndGet();
                }
                requested.addAndGet(n);
                if (first.compareAndSet(true, false)) {
                    otherThread.execute(() -> {
                        downstream.get().request(1);
                        secondRequestReturned.countDown();
                    });
                    awaitLatch(secondRequestReturned);
                }
                inRequest.decrementAndGet();
            }

            @Override
            public void cancel() {}
        }));
        try (CancellableContext ctx = Context.background().withCancel()) {
            GoContext.deadlineOf(source).contextWrite(GoContext.with(ctx)).subscribe(new BaseSubscriber<Integer>() {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    downstream.set(subscription);
                    subscription.request(1); // held until this method returns
                }
            });
            assertThat(overlapping).as("request calls that overlapped").hasValue(0);
            assertThat(requested).as("every request reached the source").hasValue(2);
            downstream.get().cancel();
        } finally {
            otherThread.shutdownNow();
        }
    }

    @Test
    void scannableAttributesDescribeTheOperator() {
        CancellableContext ctx = Context.background().withCancel();
        Flux<Integer> source = Flux.never();
        Flux<Integer> bound = GoContext.deadlineOf(source);
        Scannable operator = Scannable.from(bound);
        assertThat(operator.scan(Scannable.Attr.PARENT)).isSameAs(source);
        assertThat(operator.scan(Scannable.Attr.RUN_STYLE)).isEqualTo(Scannable.Attr.RunStyle.SYNC);
        assertThat(Scannable.from(GoContext.deadlineOf(Mono.never())).scan(Scannable.Attr.RUN_STYLE))
                .isEqualTo(Scannable.Attr.RunStyle.SYNC);

        AtomicReference<Scannable> inner = new AtomicReference<>();
        StepVerifier.create(
                        bound.doOnSubscribe(s -> inner.set(Scannable.from(s))).contextWrite(GoContext.with(ctx)))
                .expectSubscription()
                .then(() -> {
                    Scannable s = inner.get();
                    assertThat(s.scan(Scannable.Attr.PARENT)).isNotNull();
                    assertThat(s.scan(Scannable.Attr.ACTUAL)).isNotNull();
                    assertThat(s.scan(Scannable.Attr.CANCELLED)).isFalse();
                    assertThat(s.scan(Scannable.Attr.TERMINATED)).isFalse();
                    assertThat(s.scan(Scannable.Attr.RUN_STYLE)).isEqualTo(Scannable.Attr.RunStyle.SYNC);
                })
                .then(ctx::cancel)
                .expectError(ContextException.class)
                .verify(WAIT);
        assertThat(inner.get().scan(Scannable.Attr.TERMINATED)).isTrue();
        assertThat(inner.get().scan(Scannable.Attr.ERROR)).isSameAs(Context.CANCELED);
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> GoContext.deadlineOf((Flux<Object>) null)).hasMessage("source");
        assertThatThrownBy(() -> GoContext.deadlineOf((Mono<Object>) null)).hasMessage("source");
        assertThatThrownBy(() -> GoContext.with(null)).hasMessage("ctx");
        assertThatThrownBy(() -> GoContext.from(null)).hasMessage("view");
        assertThatThrownBy(() -> GoContext.done(null)).hasMessage("ctx");
    }
}
