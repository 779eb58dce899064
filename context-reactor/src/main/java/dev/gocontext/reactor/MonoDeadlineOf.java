package dev.gocontext.reactor;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/**
 * {@link GoContext#deadlineOf(Mono)}: the {@link Mono} form of {@link FluxDeadlineOf}, with the same
 * subscriber.
 */
final class MonoDeadlineOf<T> extends MonoOperator<T, T> {

    private MonoDeadlineOf(Mono<? extends T> source) {
        super(source);
    }

    /** The operator, through Reactor's assembly hooks. */
    static <T> Mono<T> of(Mono<? extends T> source) {
        return onAssembly(new MonoDeadlineOf<>(source));
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        CoreSubscriber<? super T> bound = DeadlineSubscriber.bind(actual);
        if (bound != null) {
            source.subscribe(bound);
        }
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.SYNC;
        return super.scanUnsafe(key);
    }
}
