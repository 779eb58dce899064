package dev.gocontext.reactor;

import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;

/**
 * {@link GoContext#withTimeout(Flux, java.time.Duration)} and {@link GoContext#withDeadline(Flux,
 * java.time.Instant)}: each subscription runs the source under a child of the subscriber's ctx with
 * its own deadline. See {@link ChildOwner} for how, {@link ChildDeadline} for which child, and
 * GoContext for the rules.
 */
final class FluxWithDeadline<T> extends FluxOperator<T, T> {
    private final ChildDeadline deadline;

    private FluxWithDeadline(Flux<? extends T> source, ChildDeadline deadline) {
        super(source);
        this.deadline = deadline;
    }

    /** The operator, through Reactor's assembly hooks. */
    static <T> Flux<T> of(Flux<? extends T> source, ChildDeadline deadline) {
        return onAssembly(new FluxWithDeadline<>(source, deadline));
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        ChildOwner.subscribe(source, actual, deadline, false);
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
