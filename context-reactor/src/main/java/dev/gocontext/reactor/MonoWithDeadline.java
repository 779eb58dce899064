package dev.gocontext.reactor;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/**
 * {@link GoContext#withTimeout(Mono, java.time.Duration)} and {@link GoContext#withDeadline(Mono,
 * java.time.Instant)}: the {@link Mono} form of {@link FluxWithDeadline}, with the same subscribers.
 */
final class MonoWithDeadline<T> extends MonoOperator<T, T> {
    private final ChildDeadline deadline;

    private MonoWithDeadline(Mono<? extends T> source, ChildDeadline deadline) {
        super(source);
        this.deadline = deadline;
    }

    /** The operator, through Reactor's assembly hooks. */
    static <T> Mono<T> of(Mono<? extends T> source, ChildDeadline deadline) {
        return onAssembly(new MonoWithDeadline<>(source, deadline));
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        ChildOwner.subscribe(source, actual, deadline, true);
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.SYNC;
        return super.scanUnsafe(key);
    }

    @Override
    public String toString() {
        return deadline.toString();
    }
}
