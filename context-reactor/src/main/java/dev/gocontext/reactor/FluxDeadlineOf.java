package dev.gocontext.reactor;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;

/**
 * {@link GoContext#deadlineOf(Flux)}: binds each subscription of the source to the ctx in the
 * subscriber's Reactor context. See {@link DeadlineSubscriber} for how, and GoContext for the
 * rules.
 */
final class FluxDeadlineOf<T> extends FluxOperator<T, T> {

    private FluxDeadlineOf(Flux<? extends T> source) {
        super(source);
    }

    /** The operator, through Reactor's assembly hooks. */
    static <T> Flux<T> of(Flux<? extends T> source) {
        return onAssembly(new FluxDeadlineOf<>(source));
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
