package dev.gocontext.reactor.blockhound;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound (optional dependency {@code io.projectreactor.tools:blockhound}) which of
 * gocontext's waits are not blocking calls. It is found through {@code ServiceLoader} by {@code
 * BlockHound.install()}; nothing to configure.
 *
 * <p>Today there are none to declare: nothing in gocontext parks, waits or sleeps on the caller's
 * thread. Deriving and canceling contexts (with or without a deadline) take only locks that guard
 * a few pointer moves and never park; {@code cancel()} never waits for another thread; after-done
 * actions, done signals and timers never block it. Only {@code Done.await()} blocks, by design, and
 * BlockHound rightly reports it on a non-blocking thread.
 *
 * <pre>{@code
 * BlockHound.install();   // picks this integration up with Reactor's own
 * }</pre>
 */
public final class GoContextBlockHoundIntegration implements BlockHoundIntegration {
    /** The integration; {@code ServiceLoader} creates it. */
    public GoContextBlockHoundIntegration() {}

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // nothing gocontext does on the caller's thread blocks: see the class comment
    }
}
