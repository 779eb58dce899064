package dev.gocontext.reactor.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * The cancel of a call runs on the event loop of the channel it is bound to; bound to a channel that
 * has no event loop, it runs at once on the caller's thread: there is no read it could race with.
 * It threw Netty's "channel not registered to an event loop" at the canceller (a deadline's timer
 * thread, where Reactor logged it at ERROR as an uncaught exception).
 */
class EventLoopCancelTest {
    private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stopLoops() throws InterruptedException {
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    @Test
    void aCallBoundToAChannelNeverRegisteredIsCancelledAtOnce() {
        Channel neverRegistered = new NioSocketChannel();
        try {
            assertThat(cancelOfACallBoundTo(neverRegistered))
                    .as("upstream cancelled")
                    .isTrue();
        } finally {
            neverRegistered.unsafe().closeForcibly();
        }
    }

    @Test
    void aCallBoundToARegisteredChannelIsCancelledOnItsLoop() throws InterruptedException {
        Channel open = new NioSocketChannel();
        assertThat(loops.register(open).await(10, TimeUnit.SECONDS)).isTrue();
        try {
            EventLoopCancel onLoop = EventLoopCancel.create();
            onLoop.bind(Connection.from(open));
            CompletableFuture<Boolean> cancelledOnLoop = new CompletableFuture<>();
            Disposable call = onLoop.apply(Mono.never()
                            .doOnCancel(() ->
                                    cancelledOnLoop.complete(open.eventLoop().inEventLoop())))
                    .subscribe();

            call.dispose();

            assertThat(cancelledOnLoop).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
        } finally {
            open.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** Subscribes a call bound to {@code channel}, cancels it here: whether its source was cancelled by then. */
    private static boolean cancelOfACallBoundTo(Channel channel) {
        EventLoopCancel onLoop = EventLoopCancel.create();
        onLoop.bind(Connection.from(channel));
        AtomicBoolean cancelled = new AtomicBoolean();
        Disposable call =
                onLoop.apply(Mono.never().doOnCancel(() -> cancelled.set(true))).subscribe();

        call.dispose();
        return cancelled.get();
    }
}
