package dev.gocontext.reactor.blockhound;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound (optional dependency {@code io.projectreactor.tools:blockhound}) which of
 * gocontext's waits are not blocking calls. It is found through {@code ServiceLoader} by {@code
 * BlockHound.install()}; nothing to configure.
 *
 * <p>Creating or canceling a context with a deadline takes the lock of core's timer heap for the
 * few pointer moves of an insert or a removal. Under contention {@code ReentrantLock} parks for
 * that long, which BlockHound would report on a non-blocking thread (an event loop deriving a
 * request ctx, for instance). Reactor's own integration allows the same thing inside {@code
 * ScheduledThreadPoolExecutor}'s queue, for the same reason. Nothing else in gocontext waits on
 * the caller's thread: after-done actions, done signals and timers never block it.
 *
 * <pre>{@code
 * BlockHound.install();   // picks this integration up with Reactor's own
 * }</pre>
 */
public final class GoContextBlockHoundIntegration implements BlockHoundIntegration {
    private static final String SYSTEM_TIMER = "dev.gocontext.SystemTimer";

    /** The integration; {@code ServiceLoader} creates it. */
    public GoContextBlockHoundIntegration() {}

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside(SYSTEM_TIMER, "schedule");
        builder.allowBlockingCallsInside(SYSTEM_TIMER, "unschedule");
    }
}
