package dev.gocontext.reactor;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;

/**
 * The subscription of a source that fails as it is subscribed (its ctx was done already): the error
 * follows {@code onSubscribe}, as with Reactor's {@code Operators.error}, unless the subscriber
 * cancelled in {@code onSubscribe}. A subscriber that gave up at once asked for nothing more, and
 * an error sent after its cancel can end in {@code onErrorDropped}, logged at ERROR: an inner
 * source of a {@code flatMap} that another thread cancelled as it subscribed the inner (a request's
 * deadline cancelling a WebClient call whose response was just handed on), read into a collector
 * that the cancel emptied ({@code collect}, {@code DataBufferUtils.join}), is exactly that.
 */
final class EarlyError implements Subscription, Scannable {
    // Set by the subscriber's cancel, read once onSubscribe has returned.
    private volatile boolean cancelled;

    private EarlyError() {}

    /** {@code onSubscribe}, then {@code onError(error)} unless {@code actual} cancelled meanwhile. */
    static void signal(CoreSubscriber<?> actual, Throwable error) {
        EarlyError subscription = new EarlyError();
        actual.onSubscribe(subscription);
        if (!subscription.cancelled) {
            actual.onError(error);
        }
    }

    @Override
    public void request(long n) {
        // nothing to give but the error, which needs no demand
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @SuppressWarnings("rawtypes") // Reactor declares scanUnsafe(Attr)
    @Override
    public @Nullable Object scanUnsafe(Attr key) {
        if (key == Attr.CANCELLED) return cancelled;
        if (key == Attr.RUN_STYLE) return Attr.RunStyle.SYNC;
        return null;
    }
}
