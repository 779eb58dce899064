package dev.gocontext.reactor;

import dev.gocontext.CancellableContext;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CorePublisher;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;

/**
 * The subscriber of {@link FluxWithDeadline} and {@link MonoWithDeadline}: it owns the child ctx of
 * one subscription. It sits below a {@link DeadlineSubscriber} bound to the child, puts the child
 * into the Reactor context of everything above (so the source and every call inside see it), relays
 * every signal unchanged, and cancels the child exactly once when the subscription ends: plainly
 * just before {@code onComplete} or {@code onError} reaches the downstream (Go's {@code defer
 * cancel()}), with a {@link SubscriptionCancelledException} as the cause after the source was
 * cancelled by the downstream. A canceled child is unregistered from its parent and its timer is
 * released, so nothing of the subscription stays on the parent.
 */
final class ChildOwner<T> implements CoreSubscriber<T>, Subscription, Scannable {
    private static final int LIVE = 0;
    private static final int TERMINATED = 1;
    private static final int CANCELLED = 2;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<ChildOwner> STATE =
            AtomicIntegerFieldUpdater.newUpdater(ChildOwner.class, "state");

    final CoreSubscriber<? super T> actual;
    final CancellableContext child;

    /** The downstream's Reactor context with the child in it: what everything above sees. */
    private final reactor.util.context.Context context;

    // Written once in onSubscribe, before the downstream receives this subscription.
    @SuppressWarnings("NullAway.Init")
    private Subscription s;

    // LIVE, then TERMINATED (the source ended) or CANCELLED (the downstream cancelled), once; the
    // thread that moves it off LIVE cancels the child.
    private volatile int state;

    private ChildOwner(CoreSubscriber<? super T> actual, CancellableContext child) {
        this.actual = actual;
        this.child = child;
        this.context = actual.currentContext().put(GoContext.CONTEXT_KEY, child);
    }

    /**
     * Subscribes {@code actual} to {@code source} under a child derived by {@code deadline} from the
     * ctx in {@code actual}'s context (background if none), with the source bound to the child.
     *
     * @param mono whether the source is a {@link reactor.core.publisher.Mono}
     */
    static <T> void subscribe(
            CorePublisher<? extends T> source, CoreSubscriber<? super T> actual, ChildDeadline deadline, boolean mono) {
        CancellableContext child = deadline.deriveFrom(GoContext.from(actual.currentContext()));
        ChildOwner<T> owner = new ChildOwner<>(actual, child);
        try {
            CoreSubscriber<? super T> bound = DeadlineSubscriber.bind(owner, mono);
            if (bound != null) {
                source.subscribe(bound);
            }
        } catch (Throwable e) {
            child.cancel(); // a source that throws in subscribe: Reactor reports it; the child must go
            throw e;
        }
    }

    // ------------------------------------------------------------------ from upstream

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.validate(this.s, s)) {
            this.s = s;
            actual.onSubscribe(this);
        }
    }

    @Override
    public void onNext(T t) {
        actual.onNext(t);
    }

    @Override
    public void onError(Throwable t) {
        end(TERMINATED);
        actual.onError(t);
    }

    @Override
    public void onComplete() {
        end(TERMINATED);
        actual.onComplete();
    }

    // ------------------------------------------------------------------ from downstream

    @Override
    public void request(long n) {
        s.request(n);
    }

    @Override
    public void cancel() {
        s.cancel(); // first, so that the child's end is not reported to a downstream that left
        end(CANCELLED);
    }

    private void end(int how) {
        if (state == LIVE && STATE.compareAndSet(this, LIVE, how)) {
            child.cancel(how == CANCELLED ? new SubscriptionCancelledException() : null);
        }
    }

    // ------------------------------------------------------------------ Scannable

    @Override
    public reactor.util.context.Context currentContext() {
        return context;
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) return s;
        if (key == Attr.ACTUAL) return actual;
        if (key == Attr.CANCELLED) return state == CANCELLED;
        if (key == Attr.TERMINATED) return state == TERMINATED;
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.SYNC;
        return null;
    }

    @Override
    public String toString() {
        return "withDeadline(" + child + ")";
    }
}
