package dev.gocontext.reactor.faults;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * An event loop held by a task of the test's, so that what the test then asks of the loop (a
 * channel's close from another thread) waits until the test lets go. The hold ends at {@link
 * #release()}, or after at most its bound.
 */
final class LoopHold {
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final Duration bound;

    private LoopHold(Duration bound) {
        this.bound = bound;
    }

    /** Holds {@code loop} from its next task on; {@link #awaitHeld()} waits for that. */
    static LoopHold of(EventLoop loop, Duration bound) {
        LoopHold hold = new LoopHold(bound);
        loop.execute(hold::block);
        return hold;
    }

    /** Waits (within the bound) until the loop runs the holding task. */
    void awaitHeld() {
        await(held);
    }

    /** Lets the loop go. */
    void release() {
        released.countDown();
    }

    private void block() {
        held.countDown();
        await(released);
    }

    private void await(CountDownLatch latch) {
        try {
            if (!latch.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the loop hold took longer than " + bound);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Lets the holding task wait on the event loop: holding it there is its purpose. */
    public static final class Allowance implements BlockHoundIntegration {
        /** The allowance; {@code ServiceLoader} creates it. */
        public Allowance() {}

        @Override
        public void applyTo(BlockHound.Builder builder) {
            builder.allowBlockingCallsInside(LoopHold.class.getName(), "block");
        }
    }
}
