package dev.gocontext.reactor;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.ContextView;

/**
 * The bridge between gocontext's {@link Context} and Project Reactor: a ctx travels in the Reactor
 * {@link reactor.util.context.Context} of a subscription, and {@link #deadlineOf(Flux)} makes the
 * subscription obey it.
 *
 * <pre>{@code
 * try (CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(2))) {
 *     List<Row> rows = GoContext.deadlineOf(repository.findAll())   // obeys the ctx below
 *             .contextWrite(GoContext.with(ctx))                    // the ctx of this subscription
 *             .collectList()
 *             .block();
 * }
 * }</pre>
 *
 * <p>Inside a pipeline, code reads the ctx of its subscription with {@link #current()} or, given a
 * {@link ContextView}, with {@link #from(ContextView)}:
 *
 * <pre>{@code
 * Mono<String> user = GoContext.current().map(ctx -> ctx.value(USER));
 * }</pre>
 *
 * <h2>Rules of {@code deadlineOf}</h2>
 *
 * A subscription to {@code deadlineOf(source)} is bound to the ctx found in the subscriber's
 * context:
 *
 * <ul>
 *   <li>no ctx there (or a ctx that can never be done and has no deadline): the source runs
 *       unchanged;
 *   <li>ctx already done at subscription: the source is never subscribed; the subscriber gets
 *       {@code onSubscribe} then {@code onError(ctx.err())};
 *   <li>ctx becomes done while subscribed (its cancel, a parent's cancel, or its deadline): the
 *       source's subscription is cancelled, then the subscriber gets {@code onError(ctx.err())},
 *       once, never concurrently with {@code onNext}; elements that race with it are discarded,
 *       and so is a source error that comes once the ctx is done (the source failing of the same
 *       end, say a connection the ctx closed, before the done signal got here) or after that
 *       {@code onError} (a failure the cancel caused, or one that lost the race with it: shown at
 *       DEBUG, never dropped to {@code onErrorDropped}, which would log an intentional cancellation
 *       at ERROR);
 *   <li>a deadline is applied with a timer of {@link Schedulers#parallel()} (Reactor's own timeout
 *       machinery) on the remaining time (measured on the ctx's clock, rounded up to the
 *       millisecond), so {@code StepVerifier.withVirtualTime} controls it; it
 *       signals {@link Context#DEADLINE_EXCEEDED}, not a {@code TimeoutException}. When the ctx's own
 *       timer measures the same clock (the system clock while {@code parallel()} is a real-time
 *       scheduler, or {@link SchedulerTimeSource#parallel()}), that timer already makes the ctx done
 *       at the same instant, and no second timer is scheduled per subscription;
 *   <li>when the subscription ends for any reason, what it registered on the ctx is removed (an
 *       O(1) unlink on core's contexts): a long-lived ctx keeps no reference to finished
 *       subscriptions;
 *   <li>the operator never cancels the ctx itself.
 * </ul>
 *
 * <h2>A budget of its own: {@code withTimeout} and {@code withDeadline}</h2>
 *
 * Go's most common use of a context, a timeout around one call, is one operator:
 *
 * <pre>{@code
 * // Go: ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond); defer cancel(); prices.Get(ctx)
 * Mono<Price> price = GoContext.withTimeout(prices.get(id), Duration.ofMillis(300));
 * }</pre>
 *
 * For each subscription, {@link #withTimeout(Mono, Duration)} derives a child of the subscriber's
 * ctx ({@link Context#background()} when there is none) with the timeout, Go's rules included (an
 * earlier parent deadline wins), binds the source to it as {@link #deadlineOf(Mono)} does, with
 * the child in the Reactor context of the source, and cancels the child when the subscription
 * ends. Use it rather than Reactor's {@code timeout(Duration)} when the work inside uses the ctx:
 *
 * <ul>
 *   <li>every call inside sees the narrower budget: {@link #current()}, the outgoing {@code
 *       X-Request-Timeout} of {@code GoContextHttpClient} and {@code GoContextExchangeFilter}, a
 *       query timeout taken from {@link Context#remaining()}, {@link #blocking} calls, which are
 *       interrupted when it ends;
 *   <li>it ends with the ctx's error ({@link Context#DEADLINE_EXCEEDED}, or the request's own error
 *       when the request ends first), not a {@code TimeoutException}, and the cause given to {@link
 *       #withTimeout(Mono, Duration, Throwable)} is the child's {@link Context#cause()};
 *   <li>one timer per subscription, not one per element: a fraction of the cost of {@code
 *       timeout(Duration)} on a stream.
 * </ul>
 *
 * Reactor's {@code timeout} remains the tool for what a ctx does not express: a maximum gap
 * between elements, or a fallback publisher.
 *
 * <h2>Threads</h2>
 *
 * A ctx canceled with {@code cancel()} reaches its subscriptions synchronously, on the canceling
 * thread, before {@code cancel()} returns. A deadline reaches them on a {@code parallel()} thread,
 * where Reactor's timers deliver, never on the ctx's timer thread.
 *
 * <h2>Who canceled?</h2>
 *
 * The error is always {@code ctx.err()} (one of two shared instances). The cause given to {@code
 * cancel(cause)} stays readable from the error path, where the subscriber's context is in scope:
 *
 * <pre>{@code
 * GoContext.deadlineOf(work)
 *         .onErrorResume(ContextException.class, e -> GoContext.cause()
 *                 .flatMap(cause -> Mono.error(new IllegalStateException("stopped: " + cause))))
 * }</pre>
 */
public final class GoContext {
    /**
     * The key under which {@link #with(Context)} stores the ctx in a Reactor context. It is also the
     * key of the thread-local accessor in {@code dev.gocontext.reactor.propagation}, so that
     * Micrometer's context-propagation restores the ctx on threads.
     */
    public static final String CONTEXT_KEY = "dev.gocontext.Context";

    private static final Mono<Context> CURRENT = Mono.deferContextual(view -> Mono.just(from(view)));

    private static final Mono<Throwable> CAUSE =
            Mono.deferContextual(view -> Mono.justOrEmpty(from(view).cause()));

    private GoContext() {}

    /**
     * For {@code contextWrite}: puts {@code ctx} into the Reactor context of the subscription, for
     * every operator above.
     *
     * <p>It also puts a sequence-local {@code onErrorDropped} hook there: an error that an operator
     * above drops (Reactor drops an error that reaches an operator whose subscriber has cancelled,
     * and logs it at ERROR) is shown at DEBUG if it is a ctx's error, since a ctx's cancellation is
     * intended; any other dropped error is handled as before (a sequence-local hook already there,
     * else {@code Hooks.onErrorDropped}, else Reactor's ERROR log).
     *
     * <pre>{@code
     * flux.contextWrite(GoContext.with(ctx))
     * }</pre>
     *
     * @throws NullPointerException if {@code ctx} is null
     */
    public static Function<reactor.util.context.Context, reactor.util.context.Context> with(Context ctx) {
        Objects.requireNonNull(ctx, "ctx");
        return reactorContext -> DroppedCtxErrors.installIn(reactorContext).put(CONTEXT_KEY, ctx);
    }

    /**
     * The ctx that {@link #with(Context)} put into {@code view}, or {@link Context#background()} if
     * there is none.
     *
     * <pre>{@code
     * Mono.deferContextual(view -> call(GoContext.from(view), request))
     * }</pre>
     *
     * @throws NullPointerException if {@code view} is null
     */
    public static Context from(ContextView view) {
        Context ctx = find(Objects.requireNonNull(view, "view"));
        return ctx != null ? ctx : Context.background();
    }

    /** The ctx in {@code view}, or null. */
    static @Nullable Context find(ContextView view) {
        Object value = view.getOrDefault(CONTEXT_KEY, null);
        return value instanceof Context ctx ? ctx : null;
    }

    /**
     * The ctx of the subscription: {@code Mono.deferContextual(v -> Mono.just(from(v)))}.
     *
     * <pre>{@code
     * GoContext.current().flatMap(ctx -> client.get(ctx, url))
     * }</pre>
     */
    public static Mono<Context> current() {
        return CURRENT;
    }

    /**
     * The cause of the subscription's ctx ({@link Context#cause()}): empty while the ctx is not
     * done. Read it on the error path of {@link #deadlineOf(Flux)} to learn who canceled.
     */
    public static Mono<Throwable> cause() {
        return CAUSE;
    }

    /**
     * A {@code Mono} that completes (empty) when {@code ctx} is done, at once if it already is, and
     * never if it can never be done. Cancelling a subscription removes its registration from the
     * ctx. Go's {@code <-ctx.Done()}:
     *
     * <pre>{@code
     * Flux.interval(Duration.ofSeconds(1)).takeUntilOther(GoContext.done(ctx))
     * }</pre>
     *
     * @throws NullPointerException if {@code ctx} is null
     */
    public static Mono<Void> done(Context ctx) {
        return MonoContextDone.of(Objects.requireNonNull(ctx, "ctx"));
    }

    /**
     * The counts of subscriptions bound by {@link #deadlineOf} so far, read now: bound, active,
     * and disposed by a cancel or by a deadline ({@link GoContextMetrics} exposes the same counts as
     * meters). Reading sums a few striped counters.
     *
     * <pre>{@code
     * long stillBound = GoContext.subscriptionStats().active();
     * }</pre>
     */
    public static SubscriptionStats subscriptionStats() {
        return SubscriptionStats.now();
    }

    /**
     * Binds each subscription of {@code source} to the ctx in the subscriber's context, by the rules
     * in this class's description.
     *
     * <pre>{@code
     * Flux<Quote> quotes = GoContext.deadlineOf(feed.quotes())
     *         .contextWrite(GoContext.with(ctx));   // ends with ctx.err() when ctx is done
     * }</pre>
     *
     * @throws NullPointerException if {@code source} is null
     */
    public static <T> Flux<T> deadlineOf(Flux<T> source) {
        return FluxDeadlineOf.of(Objects.requireNonNull(source, "source"));
    }

    /**
     * The {@link Mono} form of {@link #deadlineOf(Flux)}, with the same rules, and one more: a
     * Mono's value is its outcome, so the subscription is released from the ctx as the value is
     * emitted, {@code onComplete} follows at once, and the ctx becoming done after that (say,
     * because the value's consumer ends the request) signals nothing more.
     *
     * @throws NullPointerException if {@code source} is null
     */
    public static <T> Mono<T> deadlineOf(Mono<T> source) {
        return MonoDeadlineOf.of(Objects.requireNonNull(source, "source"));
    }

    /**
     * Runs each subscription of {@code source} under a child of the subscriber's ctx that is done
     * {@code timeout} after the subscription: Go's {@code WithTimeout} around a call, with {@code
     * defer cancel()}. See "A budget of its own" in this class's description.
     *
     * <pre>{@code
     * Flux<Row> rows = GoContext.withTimeout(repository.findAll(), Duration.ofMillis(300));
     * }</pre>
     *
     * <p>Per subscription, the child is derived from the ctx in the subscriber's context ({@link
     * Context#background()} when there is none); a parent deadline earlier than the timeout wins.
     * Its deadline runs on Reactor's timer, so {@code StepVerifier.withVirtualTime} drives it.
     * Signals to the subscriber:
     *
     * <ul>
     *   <li>{@code onSubscribe}, first;
     *   <li>{@code onNext}: the source's elements, never concurrently with a terminal signal;
     *   <li>{@code onComplete} / {@code onError}: the source's, after the child was canceled;
     *   <li>{@code onError(child.err())} when the child becomes done first, after the source was
     *       cancelled: {@link Context#DEADLINE_EXCEEDED} when its deadline (or an earlier deadline of
     *       the parent) passes, the parent's error when the parent ends first. A zero or negative
     *       timeout, or a parent done already, gives {@code onSubscribe} then this error, and the
     *       source is never subscribed.
     * </ul>
     *
     * Cancelling the subscription cancels the source, then the child, with a {@link
     * SubscriptionCancelledException} as its cause. In every case the child is canceled once the
     * subscription ends: nothing stays registered on the parent, and no timer stays scheduled.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Flux<T> withTimeout(Flux<T> source, Duration timeout) {
        return FluxWithDeadline.of(requireSource(source), ChildDeadline.timeout(timeout, null));
    }

    /**
     * The {@link Mono} form of {@link #withTimeout(Flux, Duration)}. As with {@link
     * #deadlineOf(Mono)}, the value is the outcome: it is emitted with {@code onComplete} right
     * after it, and the child is canceled in between.
     *
     * <pre>{@code
     * Mono<Price> price = GoContext.withTimeout(prices.get(id), Duration.ofMillis(300));
     * }</pre>
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Mono<T> withTimeout(Mono<T> source, Duration timeout) {
        return MonoWithDeadline.of(requireSource(source), ChildDeadline.timeout(timeout, null));
    }

    /**
     * As {@link #withTimeout(Flux, Duration)}; when the child's own deadline fires, its {@link
     * Context#cause()} is {@code cause} (Go's {@code WithTimeoutCause}), which the work inside can
     * read. The subscriber still gets {@link Context#DEADLINE_EXCEEDED}. The cause is not used when
     * the parent's earlier deadline ends the child.
     *
     * <pre>{@code
     * GoContext.withTimeout(search(query), Duration.ofSeconds(1), new TimeoutException("search budget"))
     * }</pre>
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Flux<T> withTimeout(Flux<T> source, Duration timeout, Throwable cause) {
        return FluxWithDeadline.of(requireSource(source), ChildDeadline.timeout(timeout, requireCause(cause)));
    }

    /**
     * The {@link Mono} form of {@link #withTimeout(Flux, Duration, Throwable)}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Mono<T> withTimeout(Mono<T> source, Duration timeout, Throwable cause) {
        return MonoWithDeadline.of(requireSource(source), ChildDeadline.timeout(timeout, requireCause(cause)));
    }

    /**
     * As {@link #withTimeout(Flux, Duration)}, with a deadline instead of a timeout (Go's {@code
     * WithDeadline}): the child is done at {@code deadline}, an instant of the parent ctx's clock
     * ({@link Context#timeSource()}: the system clock unless the tree says otherwise). A deadline
     * that is not in the future gives {@code onError(}{@link Context#DEADLINE_EXCEEDED}{@code )}
     * without subscribing the source.
     *
     * <pre>{@code
     * Instant closing = Instant.parse("2026-01-01T18:00:00Z");
     * Flux<Trade> trades = GoContext.withDeadline(market.trades(), closing);
     * }</pre>
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Flux<T> withDeadline(Flux<T> source, Instant deadline) {
        return FluxWithDeadline.of(requireSource(source), ChildDeadline.at(deadline, null));
    }

    /**
     * The {@link Mono} form of {@link #withDeadline(Flux, Instant)}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Mono<T> withDeadline(Mono<T> source, Instant deadline) {
        return MonoWithDeadline.of(requireSource(source), ChildDeadline.at(deadline, null));
    }

    /**
     * As {@link #withDeadline(Flux, Instant)}, with the cause of {@link #withTimeout(Flux, Duration,
     * Throwable)} (Go's {@code WithDeadlineCause}).
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Flux<T> withDeadline(Flux<T> source, Instant deadline, Throwable cause) {
        return FluxWithDeadline.of(requireSource(source), ChildDeadline.at(deadline, requireCause(cause)));
    }

    /**
     * The {@link Mono} form of {@link #withDeadline(Flux, Instant, Throwable)}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Mono<T> withDeadline(Mono<T> source, Instant deadline, Throwable cause) {
        return MonoWithDeadline.of(requireSource(source), ChildDeadline.at(deadline, requireCause(cause)));
    }

    private static <S> S requireSource(S source) {
        return Objects.requireNonNull(source, "source");
    }

    private static Throwable requireCause(Throwable cause) {
        return Objects.requireNonNull(cause, "cause");
    }

    /**
     * Runs {@code source} as the owner of {@code ctx}: binds it to {@code ctx} ({@link
     * #deadlineOf(Flux)} under {@link #with(Context)}), and cancels {@code ctx} when the
     * subscription ends: with a {@link SubscriptionCancelledException} as the cause when the
     * downstream cancels (disposes) it, plainly when the source completes or fails (Go's {@code
     * defer cancel()}). Work bound to {@code ctx} or its children then stops, and can tell why.
     *
     * <pre>{@code
     * Flux<Event> events = Flux.defer(() -> {
     *     CancellableContext ctx = parent.withTimeout(Duration.ofMinutes(1));
     *     return GoContext.cancelOnDispose(ctx, stream.events(ctx));
     * });
     * events.take(10).subscribe(...);  // take's cancel cancels ctx: cause() is a SubscriptionCancelledException
     * }</pre>
     *
     * <p>A canceled ctx stays canceled: subscribe to the result once, or create the ctx per
     * subscription inside {@code Flux.defer} as above.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Flux<T> cancelOnDispose(CancellableContext ctx, Flux<T> source) {
        Objects.requireNonNull(ctx, "ctx");
        return deadlineOf(Objects.requireNonNull(source, "source"))
                .doFinally(signal -> cancelOwned(ctx, signal))
                .contextWrite(with(ctx));
    }

    /**
     * The {@link Mono} form of {@link #cancelOnDispose(CancellableContext, Flux)}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Mono<T> cancelOnDispose(CancellableContext ctx, Mono<T> source) {
        Objects.requireNonNull(ctx, "ctx");
        return deadlineOf(Objects.requireNonNull(source, "source"))
                .doFinally(signal -> cancelOwned(ctx, signal))
                .contextWrite(with(ctx));
    }

    private static void cancelOwned(CancellableContext ctx, SignalType signal) {
        if (signal == SignalType.CANCEL) {
            ctx.cancel(new SubscriptionCancelledException());
        } else {
            ctx.cancel();
        }
    }

    /**
     * Runs blocking {@code call} on {@link Schedulers#boundedElastic()}, bound to the subscriber's
     * ctx. See {@link #blocking(Scheduler, BlockingCall)}.
     *
     * <pre>{@code
     * Mono<Report> report = GoContext.blocking(ctx -> legacyClient.fetchReport(id));  // interrupted when ctx is done
     * }</pre>
     *
     * @throws NullPointerException if {@code call} is null
     */
    public static <T> Mono<T> blocking(BlockingCall<T> call) {
        return blocking(Schedulers.boundedElastic(), call);
    }

    /**
     * Runs blocking {@code call} on {@code scheduler}, bound to the subscriber's ctx.
     *
     * <p>The call receives a child of the subscriber's ctx, which is canceled when the subscriber's
     * ctx is done, when the downstream cancels (cause: {@link SubscriptionCancelledException}), and
     * when the call returns. When it is canceled while the call runs, the thread running the call is
     * interrupted (and its interrupt status is cleared before the thread runs anything else), so
     * {@code Thread.sleep}, {@code BlockingQueue.take}, interruptible channels and the like stop.
     * For blocking I/O that ignores interrupts, close the resource when the ctx is done:
     *
     * <pre>{@code
     * GoContext.blocking(ctx -> {
     *     Registration closer = ctx.afterDone(socket::close);   // unblocks read()
     *     try {
     *         return socket.getInputStream().readNBytes(512);
     *     } finally {
     *         closer.stop();
     *     }
     * });
     * }</pre>
     *
     * <p>Signals: the call's value ({@code null} means empty), or its exception; if the ctx became
     * done first, {@code onError(ctx.err())} whatever the call returned. A ctx that is already done
     * at subscription gives {@code onError(ctx.err())} without running the call.
     *
     * @throws NullPointerException if an argument is null
     */
    public static <T> Mono<T> blocking(Scheduler scheduler, BlockingCall<T> call) {
        return MonoBlocking.of(Objects.requireNonNull(scheduler, "scheduler"), Objects.requireNonNull(call, "call"));
    }

    /**
     * Blocking work that takes the ctx it is bound to; see {@link #blocking(Scheduler, BlockingCall)}.
     *
     * <pre>{@code
     * GoContext.BlockingCall<String> call = ctx -> jdbc.queryForString(ctx, "select 1");
     * }</pre>
     *
     * @param <T> the result type
     */
    @FunctionalInterface
    public interface BlockingCall<T> {
        /**
         * Does the work.
         *
         * @param ctx the ctx of this call: done when the caller's ctx is, or the caller goes away
         * @return the result, or {@code null} for none
         * @throws Exception what the work throws; it becomes the error of the {@code Mono}
         */
        @Nullable
        T call(Context ctx) throws Exception;
    }
}
