package dev.gocontext.reactor.netty;

import dev.gocontext.Context;
import dev.gocontext.Registration;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;

/**
 * Binds one HTTP call to a ctx: the call's channel is closed when the ctx is done. The binding ends
 * when the response has been received (the channel may go back to the pool: a later cancel of the
 * ctx must not close it under another call) or when the channel closes, whichever comes first; then
 * nothing of it stays registered on the ctx nor on the channel.
 *
 * <p>Reactor Netty reports the response complete ({@code doAfterResponseSuccess}) a moment after
 * the body was delivered to the caller. A ctx canceled within that moment closes the connection
 * instead of letting it return to the pool: the call has succeeded all the same; only the reuse of
 * that connection is lost.
 */
final class CallBinding implements ChannelFutureListener {
    private static final AttributeKey<CallBinding> KEY = AttributeKey.valueOf("dev.gocontext.callBinding");

    private final Channel channel;

    // Set once in bind(), before the binding is reachable from the channel.
    private @Nullable Registration registration;

    private CallBinding(Channel channel) {
        this.channel = channel;
    }

    /** Closes {@code channel} when {@code ctx} is done, until {@link #release(Channel)}. */
    static void bind(Context ctx, Channel channel) {
        CallBinding binding = new CallBinding(channel);
        binding.registration = ctx.afterDone(binding::close, Runnable::run);
        CallBinding previous = channel.attr(KEY).getAndSet(binding);
        if (previous != null) {
            previous.stop();
        }
        channel.closeFuture().addListener(binding);
    }

    /** The call on {@code channel} is over: unbind it. */
    static void release(Channel channel) {
        CallBinding binding = channel.attr(KEY).getAndSet(null);
        if (binding != null) {
            binding.stop();
        }
    }

    /** The ctx is done: close the call's channel (the call fails, the server sees its client go). */
    @SuppressWarnings("FutureReturnValueIgnored") // the outcome is the channel's closeFuture, observed below
    private void close() {
        channel.close();
    }

    /** The channel closed. */
    @Override
    public void operationComplete(ChannelFuture future) {
        channel.attr(KEY).compareAndSet(this, null);
        stop();
    }

    private void stop() {
        Registration reg = registration;
        if (reg != null) {
            reg.stop();
        }
        channel.closeFuture().removeListener(this);
    }
}
