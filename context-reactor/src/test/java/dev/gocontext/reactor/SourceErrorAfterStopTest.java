package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * A source that reports an error after {@code deadlineOf} stopped it: when that error is the ctx's
 * own (typically an inner {@code deadlineOf} on the same ctx, whose delivery raced with the outer
 * one), nothing is lost and nothing is logged; any other late error goes to Reactor's
 * {@code onErrorDropped} hook, as Reactor's own operators do.
 */
class SourceErrorAfterStopTest {
    private final List<Throwable> dropped = new CopyOnWriteArrayList<>();

    @BeforeEach
    void watchDroppedErrors() {
        Hooks.onErrorDropped(dropped::add);
    }

    @AfterEach
    void resetHooks() {
        Hooks.resetOnErrorDropped();
    }

    @Test
    void theCtxsOwnErrorArrivingLateIsNotReportedAsDropped() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                .then(ctx::cancel)
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verify(Duration.ofSeconds(5));
        source.assertCancelled();
        source.error(Context.CANCELED); // the same ctx error, after the stop

        assertThat(dropped).isEmpty();
    }

    @Test
    void anyOtherLateErrorStillGoesToOnErrorDropped() {
        CancellableContext ctx = Context.background().withCancel();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);

        StepVerifier.create(GoContext.deadlineOf(source.flux()).contextWrite(GoContext.with(ctx)))
                .then(ctx::cancel)
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verify(Duration.ofSeconds(5));
        IllegalStateException unrelated = new IllegalStateException("boom");
        source.error(unrelated);

        assertThat(dropped).containsExactly(unrelated);
    }
}
