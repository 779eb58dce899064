package dev.gocontext.reactor;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
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
 *       once, never concurrently with {@code onNext}; elements that race with it are discarded;
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
     * <pre>{@code
     * flux.contextWrite(GoContext.with(ctx))
     * }</pre>
     *
     * @throws NullPointerException if {@code ctx} is null
     */
    public static Function<reactor.util.context.Context, reactor.util.context.Context> with(Context ctx) {
        Objects.requireNonNull(ctx, "ctx");
        return reactorContext -> reactorContext.put(CONTEXT_KEY, ctx);
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
     * The {@link Mono} form of {@link #deadlineOf(Flux)}, with the same rules.
     *
     * @throws NullPointerException if {@code source} is null
     */
    public static <T> Mono<T> deadlineOf(Mono<T> source) {
        return MonoDeadlineOf.of(Objects.requireNonNull(source, "source"));
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
