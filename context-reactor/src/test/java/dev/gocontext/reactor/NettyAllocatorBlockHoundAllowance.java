package dev.gocontext.reactor;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * For this module's tests, which all run under BlockHound: Netty 4.2's default allocator ({@code
 * AdaptivePoolingAllocator}) retires a magazine under a {@code StampedLock} write lock, which parks
 * when another thread holds it for the same few instructions. BlockHound reports that park as a
 * blocking call on a non-blocking thread (seen under load, when a handler on a {@code parallel()}
 * thread wrote a body while an event loop freed buffers). It is Netty's, not gocontext's; Netty's
 * own BlockHound integration does not list it yet, so the tests allow it here, and only it.
 */
public final class NettyAllocatorBlockHoundAllowance implements BlockHoundIntegration {
    /** The allowance; {@code ServiceLoader} creates it. */
    public NettyAllocatorBlockHoundAllowance() {}

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "free");
    }
}
