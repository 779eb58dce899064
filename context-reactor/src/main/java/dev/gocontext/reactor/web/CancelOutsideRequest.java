package dev.gocontext.reactor.web;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * A {@code Mono} whose cancel never reaches its source while a request is running there: a cancel
 * that arrives during a request is passed on as soon as the request returns. Signals and the context
 * pass through unchanged.
 *
 * <p>Reactor's {@code Mono.just} discards its value on a cancel that finds it not emitted yet, and a
 * request running on another thread can emit it just after that check: the value is then discarded
 * and emitted both. Spring hands a single-buffer body over as {@code Mono.just(buffer)} with a
 * discard hook that releases the buffer, so a deadline's cancel crossing the start of a write
 * released the body while the write still held it, and the write released it again. With the cancel
 * held until the request has returned, the value is either emitted (and its new owner releases it)
 * or discarded, never both.
 */
final class CancelOutsideRequest<T> extends Mono<T> {
    private final Mono<? extends T> source;

    CancelOutsideRequest(Mono<? extends T> source) {
        this.source = source;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        source.subscribe(new Guard<T>(actual));
    }

    /** Between the source's subscription and the subscriber: holds a cancel that crosses a request. */
    private static final class Guard<T> implements CoreSubscriber<T>, Subscription {
        private static final int IDLE = 0;
        private static final int REQUESTING = 1;
        private static final int CANCEL_PENDING = 2;
        private static final int CANCELLED = 3;

        private final CoreSubscriber<? super T> actual;

        // IDLE, or REQUESTING while a request runs on the source. A cancel moves IDLE to CANCELLED
        // and cancels the source itself, or REQUESTING to CANCEL_PENDING, which the requester turns
        // into CANCELLED when its request returns, cancelling the source then. CANCELLED is final. A
        // request that finds another running, or the guard cancelled, is dropped: a Mono's source
        // needs only one.
        private final AtomicInteger state = new AtomicInteger(IDLE);

        // Set once, in onSubscribe, before the subscriber can request or cancel.
        private volatile @Nullable Subscription upstream;

        Guard(CoreSubscriber<? super T> actual) {
            this.actual = actual;
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            actual.onSubscribe(this);
        }

        @Override
        public void onNext(T value) {
            actual.onNext(value);
        }

        @Override
        public void onError(Throwable error) {
            actual.onError(error);
        }

        @Override
        public void onComplete() {
            actual.onComplete();
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void request(long n) {
            if (!state.compareAndSet(IDLE, REQUESTING)) {
                return;
            }
            Subscription source = sourceSubscription();
            source.request(n);
            if (!state.compareAndSet(REQUESTING, IDLE)) {
                state.set(CANCELLED); // a cancel came during the request: it goes on now
                source.cancel();
            }
        }

        @Override
        public void cancel() {
            while (true) {
                int now = state.get();
                if (now == IDLE && state.compareAndSet(IDLE, CANCELLED)) {
                    sourceSubscription().cancel();
                    return;
                }
                if (now == REQUESTING && state.compareAndSet(REQUESTING, CANCEL_PENDING)) {
                    return; // the requester passes it on
                }
                if (now == CANCEL_PENDING || now == CANCELLED) {
                    return;
                }
            }
        }

        private Subscription sourceSubscription() {
            Subscription s = upstream;
            if (s == null) {
                throw new IllegalStateException("request or cancel before onSubscribe");
            }
            return s;
        }
    }
}
