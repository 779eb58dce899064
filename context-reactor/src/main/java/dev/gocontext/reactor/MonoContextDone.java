package dev.gocontext.reactor;

import dev.gocontext.Context;
import dev.gocontext.Done;
import dev.gocontext.Registration;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * {@link GoContext#done(Context)}: completes when the ctx is done. Each subscription registers one
 * after-done action on the ctx and stops it when cancelled.
 */
final class MonoContextDone extends Mono<Void> implements Scannable {
    final Context ctx;

    private MonoContextDone(Context ctx) {
        this.ctx = ctx;
    }

    /** The operator, through Reactor's assembly hooks. */
    static Mono<Void> of(Context ctx) {
        return onAssembly(new MonoContextDone(ctx));
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        Done done = ctx.done();
        if (done.isDone()) {
            Operators.complete(actual);
            return;
        }
        if (done == Done.never()) {
            actual.onSubscribe(Operators.emptySubscription()); // never completes, holds nothing
            return;
        }
        DoneSubscription subscription = new DoneSubscription(actual, ctx);
        actual.onSubscribe(subscription);
        subscription.register();
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.SYNC;
        return null;
    }

    @Override
    public String toString() {
        return "done(" + ctx + ")";
    }

    /** One subscriber's registration. */
    static final class DoneSubscription implements Subscription, Scannable, Runnable {
        private static final int LIVE = 0;
        private static final int COMPLETED = 1;
        private static final int CANCELLED = 2;

        private static final AtomicIntegerFieldUpdater<DoneSubscription> STATE =
                AtomicIntegerFieldUpdater.newUpdater(DoneSubscription.class, "state");

        final CoreSubscriber<? super Void> actual;
        final Context ctx;

        // LIVE, then COMPLETED or CANCELLED, once.
        private volatile int state;

        // Set once by register(); stopped by whichever of cancel()/register() sees both.
        private volatile @Nullable Registration registration;

        DoneSubscription(CoreSubscriber<? super Void> actual, Context ctx) {
            this.actual = actual;
            this.ctx = ctx;
        }

        void register() {
            Registration reg = ctx.afterDone(this, Runnable::run);
            registration = reg;
            if (state == CANCELLED) {
                reg.stop();
            }
        }

        @Override
        public void run() {
            Delivery.onDone(ctx, this::complete);
        }

        private void complete() {
            if (STATE.compareAndSet(this, LIVE, COMPLETED)) {
                actual.onComplete();
            }
        }

        @Override
        public void request(long n) {
            // completion is not an element: no demand needed
        }

        @Override
        public void cancel() {
            if (STATE.compareAndSet(this, LIVE, CANCELLED)) {
                Registration reg = registration;
                if (reg != null) {
                    reg.stop();
                }
            }
        }

        @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
        @Override
        public @Nullable Object scanUnsafe(Attr key) {
            if (key == Attr.ACTUAL) return actual;
            if (key == Attr.CANCELLED) return state == CANCELLED;
            if (key == Attr.TERMINATED) return state == COMPLETED;
            if (key == Attr.RUN_STYLE) return Attr.RunStyle.SYNC;
            return null;
        }
    }
}
