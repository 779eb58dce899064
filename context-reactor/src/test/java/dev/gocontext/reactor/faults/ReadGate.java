package dev.gocontext.reactor.faults;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * A client-side handler that holds its event loop in the first read after {@link #arm()} until
 * {@link #release} counts down (at most {@code hold}), so that a test can act from another thread
 * while a response is being read. Add it first in the pipeline: it sees the raw bytes.
 */
@ChannelHandler.Sharable
public final class ReadGate extends ChannelInboundHandlerAdapter {
    final CountDownLatch arrived = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final Duration hold;
    private volatile boolean armed;

    ReadGate(Duration hold) {
        this.hold = hold;
    }

    void arm() {
        armed = true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (armed) {
            armed = false;
            arrived.countDown();
            release.await(hold.toMillis(), TimeUnit.MILLISECONDS);
        }
        super.channelRead(ctx, msg);
    }

    /** Lets the gate wait on the event loop: holding it there is the gate's purpose. */
    public static final class Allowance implements BlockHoundIntegration {
        /** The allowance; {@code ServiceLoader} creates it. */
        public Allowance() {}

        @Override
        public void applyTo(BlockHound.Builder builder) {
            builder.allowBlockingCallsInside(ReadGate.class.getName(), "channelRead");
        }
    }
}
