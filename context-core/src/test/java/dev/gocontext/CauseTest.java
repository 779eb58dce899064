package dev.gocontext;

import static dev.gocontext.TestSupport.manualClock;
import static dev.gocontext.TestSupport.rootOn;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Go's {@code context.Cause}: null while not done; the cause given to cancel(cause) or to
 * withDeadline/withTimeout(.., cause) when that deadline fires; a context canceled by its parent
 * has its parent's cause; otherwise err(). The cases follow Go's TestCause table.
 */
class CauseTest {
    static final Throwable PARENT_CAUSE = new Exception("parentCause");
    static final Throwable CHILD_CAUSE = new Exception("childCause");
    static final Throwable TOO_SLOW = new Exception("tooSlow");
    static final Throwable FINISHED_EARLY = new Exception("finishedEarly");

    static Arguments scenario(String name, Supplier<Context> ctx, ContextException err, Throwable cause) {
        return Arguments.of(name, ctx, err, cause);
    }

    static Stream<Arguments> goCauseTable() {
        return Stream.of(
                scenario("Background", Context::background, null, null),
                scenario("TODO", Context::todo, null, null),
                scenario(
                        "WithCancel",
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel();
                            return c;
                        },
                        Context.CANCELED,
                        Context.CANCELED),
                scenario(
                        "WithCancelCause",
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel(CHILD_CAUSE);
                            return c;
                        },
                        Context.CANCELED,
                        CHILD_CAUSE),
                scenario(
                        "WithCancelCause nil",
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel(null);
                            return c;
                        },
                        Context.CANCELED,
                        Context.CANCELED),
                scenario(
                        "parent cause before child",
                        () -> {
                            CancellableContext parent = Context.background().withCancel();
                            CancellableContext child = parent.withCancel();
                            parent.cancel(PARENT_CAUSE);
                            child.cancel(CHILD_CAUSE);
                            return child;
                        },
                        Context.CANCELED,
                        PARENT_CAUSE),
                scenario(
                        "parent cause after child",
                        () -> {
                            CancellableContext parent = Context.background().withCancel();
                            CancellableContext child = parent.withCancel();
                            child.cancel(CHILD_CAUSE);
                            parent.cancel(PARENT_CAUSE);
                            return child;
                        },
                        Context.CANCELED,
                        CHILD_CAUSE),
                scenario(
                        "parent cause before nil",
                        () -> {
                            CancellableContext parent = Context.background().withCancel();
                            CancellableContext child = parent.withCancel();
                            parent.cancel(PARENT_CAUSE);
                            child.cancel(null);
                            return child;
                        },
                        Context.CANCELED,
                        PARENT_CAUSE),
                scenario(
                        "parent cause after nil",
                        () -> {
                            CancellableContext parent = Context.background().withCancel();
                            CancellableContext child = parent.withCancel();
                            child.cancel(null);
                            parent.cancel(PARENT_CAUSE);
                            return child;
                        },
                        Context.CANCELED,
                        Context.CANCELED),
                scenario(
                        "child cause after nil",
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel(null);
                            c.cancel(CHILD_CAUSE);
                            return c;
                        },
                        Context.CANCELED,
                        Context.CANCELED),
                scenario(
                        "child cause before nil",
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel(CHILD_CAUSE);
                            c.cancel(null);
                            return c;
                        },
                        Context.CANCELED,
                        CHILD_CAUSE),
                scenario(
                        "WithTimeout",
                        () -> Context.background().withTimeout(Duration.ZERO),
                        Context.DEADLINE_EXCEEDED,
                        Context.DEADLINE_EXCEEDED),
                scenario(
                        "WithTimeout canceled",
                        () -> {
                            CancellableContext c = Context.background().withTimeout(Duration.ZERO);
                            c.cancel();
                            return c;
                        },
                        Context.DEADLINE_EXCEEDED,
                        Context.DEADLINE_EXCEEDED),
                scenario(
                        "WithTimeoutCause",
                        () -> Context.background().withTimeout(Duration.ZERO, TOO_SLOW),
                        Context.DEADLINE_EXCEEDED,
                        TOO_SLOW),
                scenario(
                        "WithTimeoutCause canceled",
                        () -> {
                            CancellableContext c = Context.background().withTimeout(Duration.ZERO, TOO_SLOW);
                            c.cancel(CHILD_CAUSE);
                            return c;
                        },
                        Context.DEADLINE_EXCEEDED,
                        TOO_SLOW),
                scenario(
                        "WithTimeoutCause stacked",
                        () -> {
                            CancellableContext parent = Context.background().withCancel();
                            CancellableContext c = parent.withTimeout(Duration.ZERO, TOO_SLOW);
                            parent.cancel(FINISHED_EARLY);
                            return c;
                        },
                        Context.DEADLINE_EXCEEDED,
                        TOO_SLOW),
                scenario(
                        "WithTimeoutCause stacked canceled",
                        () -> {
                            CancellableContext parent = Context.background().withCancel();
                            parent.cancel(FINISHED_EARLY);
                            return parent.withTimeout(Duration.ZERO, TOO_SLOW);
                        },
                        Context.CANCELED,
                        FINISHED_EARLY),
                scenario(
                        "WithDeadlineCause in the past",
                        () -> Context.background().withDeadline(java.time.Instant.EPOCH, TOO_SLOW),
                        Context.DEADLINE_EXCEEDED,
                        TOO_SLOW),
                scenario("WithoutCancel", () -> Context.background().withoutCancel(), null, null),
                scenario(
                        "WithoutCancel canceled",
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel(FINISHED_EARLY);
                            return c.withoutCancel();
                        },
                        null,
                        null),
                scenario(
                        "WithoutCancel timeout",
                        () -> Context.background()
                                .withTimeout(Duration.ZERO, TOO_SLOW)
                                .withoutCancel(),
                        null,
                        null),
                scenario(
                        "value over a canceled context",
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel(CHILD_CAUSE);
                            return c.withValue(Key.of("k"), "v");
                        },
                        Context.CANCELED,
                        CHILD_CAUSE),
                scenario(
                        "user-written parent canceled with a cause",
                        () -> {
                            FutureContext parent = new FutureContext();
                            CancellableContext child = parent.withCancel();
                            parent.finish(Context.CANCELED, PARENT_CAUSE);
                            return child;
                        },
                        Context.CANCELED,
                        PARENT_CAUSE),
                scenario(
                        "user-written wrapper of a canceled context",
                        () -> {
                            CancellableContext inner = Context.background().withCancel();
                            CancellableContext child = new DelegatingContext(inner).withCancel();
                            inner.cancel(PARENT_CAUSE);
                            return child;
                        },
                        Context.CANCELED,
                        PARENT_CAUSE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goCauseTable")
    void causeFollowsGo(String name, Supplier<Context> scenario, ContextException err, Throwable cause) {
        Context ctx = scenario.get();
        assertThat(ctx.err()).as("err").isSameAs(err);
        assertThat(ctx.cause()).as("cause").isSameAs(cause);
        assertThat(ctx.done().isDone()).as("done").isEqualTo(err != null);
    }

    @Test
    void causeIsNullWhileLive() {
        try (CancellableContext ctx = Context.background().withCancel()) {
            assertThat(ctx.cause()).isNull();
            assertThat(ctx.withValue(Key.of("k"), 1).cause()).isNull();
        }
    }

    /** The cause is kept as given: not wrapped, not copied, any Throwable (even an Error). */
    @Test
    void causeIsTheSameInstanceAsGiven() {
        CancellableContext ctx = Context.background().withCancel();
        AssertionError cause = new AssertionError("an Error is a valid cause");
        ctx.cancel(cause);
        assertThat(ctx.cause()).isSameAs(cause);
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
    }

    /** Passing one of the error singletons as the cause is legal: err stays CANCELED. */
    @Test
    void cancelWithDeadlineExceededAsCauseStillHasErrCanceled() {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void grandchildrenInheritTheCauseThroughEveryKindOfContext() {
        ManualTimeSource time = manualClock();
        CancellableContext root = rootOn(time).withCancel();
        Context deep = root.withValue(Key.of("a"), 1)
                .withTimeout(Duration.ofHours(1), TOO_SLOW)
                .withCancel()
                .withValue(Key.of("b"), 2);
        CancellableContext leaf = new DelegatingContext(deep).withDeadline(TestSupport.T0.plusSeconds(60));

        root.cancel(PARENT_CAUSE);

        assertThat(deep.cause()).isSameAs(PARENT_CAUSE);
        assertThat(leaf.cause()).isSameAs(PARENT_CAUSE);
        assertThat(leaf.err()).isSameAs(Context.CANCELED);
        time.advance(Duration.ofHours(2));
        assertThat(leaf.cause()).as("a done context keeps its cause").isSameAs(PARENT_CAUSE);
    }

    /** A child canceled because its parent's deadline fired has err DEADLINE_EXCEEDED and that cause. */
    @Test
    void childOfAFiredDeadlineHasDeadlineExceededAndTheDeadlinesCause() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withTimeout(Duration.ofSeconds(1), TOO_SLOW);
        CancellableContext child = parent.withCancel();
        time.advance(Duration.ofSeconds(1));
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(child.cause()).isSameAs(TOO_SLOW);
        parent.cancel();
    }
}
