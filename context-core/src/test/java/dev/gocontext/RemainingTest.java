package dev.gocontext;

import static dev.gocontext.TestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link Context#remaining()}: Go's {@code time.Until(ctx.Deadline())}, measured on the context's
 * own {@link TimeSource}: empty without a deadline, the time left while the deadline is ahead, zero
 * or negative once it has passed.
 */
class RemainingTest {
    @Test
    void emptyWithoutADeadline() {
        CancellableContext canceled = Context.background().withCancel();
        canceled.cancel();
        List<Context> noDeadline = List.of(
                Context.background(),
                Context.todo(),
                Context.background().withValue(Key.of("k"), 1),
                Context.background().withCancel(),
                Context.background().withoutCancel(),
                canceled,
                new FutureContext());
        assertThat(noDeadline)
                .allSatisfy(c -> assertThat(c.remaining()).as("%s", c).isEmpty());
    }

    @Test
    void measuredOnTheContextsTimeSourceDownToZeroThenNegative() {
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext ctx = TestSupport.rootOn(time).withTimeout(Duration.ofSeconds(3));
        Context below = ctx.withValue(Key.of("k"), 1).withCancel();
        assertThat(ctx.remaining()).contains(Duration.ofSeconds(3));
        assertThat(below.remaining()).as("a child keeps its parent's deadline").contains(Duration.ofSeconds(3));

        time.advance(Duration.ofSeconds(1));
        assertThat(ctx.remaining()).contains(Duration.ofSeconds(2));
        time.advance(Duration.ofSeconds(2));
        assertThat(ctx.remaining()).as("at the deadline").contains(Duration.ZERO);
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        time.advance(Duration.ofMillis(1500));
        assertThat(ctx.remaining()).as("past the deadline").contains(Duration.ofMillis(-1500));
        assertThat(below.remaining()).contains(Duration.ofMillis(-1500));
    }

    @Test
    void aDeadlineAlreadyPassedAtCreationIsNegative() {
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext past = TestSupport.rootOn(time).withDeadline(T0.minusSeconds(5));
        assertThat(past.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(past.remaining()).contains(Duration.ofSeconds(-5));
    }

    @Test
    void aUserWrittenContextIsMeasuredOnTheTimeSourceItCarries() {
        ManualTimeSource time = TestSupport.manualClock();
        FutureContext custom = new FutureContext(TestSupport.rootOn(time), Optional.of(T0.plusSeconds(10)));
        assertThat(custom.remaining()).contains(Duration.ofSeconds(10));
        time.advance(Duration.ofSeconds(12));
        assertThat(custom.remaining()).contains(Duration.ofSeconds(-2));
    }

    @Test
    void onTheSystemClockItIsTheTimeLeftSoFar() {
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofHours(1))) {
            Duration left = ctx.remaining().orElseThrow();
            assertThat(left).isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
            assertThat(ctx.timeSource()).isSameAs(TimeSource.system());
        }
    }
}
