package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static dev.gocontext.TestSupport.T0;
import static dev.gocontext.TestSupport.manualClock;
import static dev.gocontext.TestSupport.rootOn;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Go's {@code WithDeadline} and {@code WithDeadlineCause}, driven by a {@link ManualTimeSource}
 * (plus a few real-clock checks with generous bounds).
 */
class DeadlineTest {
    static final Throwable TOO_SLOW = new Exception("tooSlow");

    @Test
    void firesExactlyAtTheDeadlineAndNotBefore() {
        ManualTimeSource time = manualClock();
        Instant deadline = T0.plusSeconds(5);
        CancellableContext ctx = rootOn(time).withDeadline(deadline);
        assertThat(ctx.deadline()).contains(deadline);

        time.advance(Duration.ofSeconds(5).minusNanos(1));
        assertThat(ctx.err()).isNull();
        assertThat(ctx.done().isDone()).isFalse();

        time.advance(Duration.ofNanos(1));
        assertThat(ctx.done().isDone()).isTrue();
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.deadline()).as("a done context keeps its deadline").contains(deadline);
    }

    @Test
    void deadlineCauseIsUsedWhenTheDeadlineFires() {
        ManualTimeSource time = manualClock();
        CancellableContext ctx = rootOn(time).withDeadline(T0.plusSeconds(1), TOO_SLOW);
        time.advance(Duration.ofSeconds(1));
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.cause()).isSameAs(TOO_SLOW);
    }

    @Test
    void deadlineCauseIsNotUsedWhenCanceledByHand() {
        ManualTimeSource time = manualClock();
        CancellableContext ctx = rootOn(time).withDeadline(T0.plusSeconds(1), TOO_SLOW);
        ctx.cancel();
        time.advance(Duration.ofSeconds(2));
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);
    }

    @Test
    void deadlineCauseIsNotUsedWhenTheParentIsCanceled() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withCancel();
        CancellableContext ctx = parent.withDeadline(T0.plusSeconds(1), TOO_SLOW);
        Exception parentCause = new Exception("parent");
        parent.cancel(parentCause);
        time.advance(Duration.ofSeconds(2));
        assertThat(ctx.err()).isSameAs(Context.CANCELED);
        assertThat(ctx.cause()).isSameAs(parentCause);
    }

    /** Go: if the parent's deadline is earlier, WithDeadline(Cause) returns WithCancel(parent). */
    @Test
    void earlierParentDeadlineWinsAndTheGivenCauseIsNeverUsed() {
        ManualTimeSource time = manualClock();
        Throwable parentCause = new Exception("parent too slow");
        CancellableContext parent = rootOn(time).withDeadline(T0.plusSeconds(1), parentCause);
        CancellableContext child = parent.withDeadline(T0.plusSeconds(10), TOO_SLOW);

        assertThat(child.deadline()).contains(T0.plusSeconds(1));
        assertThat(child.toString()).endsWith(".WithCancel");
        assertThat(time.pendingTimers()).as("no timer for the child").isEqualTo(1);

        time.advance(Duration.ofSeconds(20));
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(child.cause()).isSameAs(parentCause);
    }

    @Test
    void earlierParentDeadlineSeenThroughValuesAndUserWrittenContexts() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withDeadline(T0.plusSeconds(1));
        Context through =
                new DelegatingContext(parent.withValue(Key.of("k"), "v").withCancel());
        CancellableContext child = through.withDeadline(T0.plusSeconds(10), TOO_SLOW);
        assertThat(child.deadline()).contains(T0.plusSeconds(1));
        time.advance(Duration.ofSeconds(10));
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(child.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void laterParentDeadlineLetsTheChildKeepItsOwn() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withDeadline(T0.plusSeconds(10));
        CancellableContext child = parent.withDeadline(T0.plusSeconds(1), TOO_SLOW);
        assertThat(child.deadline()).contains(T0.plusSeconds(1));
        time.advance(Duration.ofSeconds(1));
        assertThat(child.cause()).isSameAs(TOO_SLOW);
        assertThat(parent.err()).isNull();
        time.advance(Duration.ofSeconds(9));
        assertThat(parent.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(child.cause()).as("the first completion stays").isSameAs(TOO_SLOW);
    }

    @Test
    void equalParentDeadlineIsNotEarlier() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withDeadline(T0.plusSeconds(1));
        CancellableContext child = parent.withDeadline(T0.plusSeconds(1), TOO_SLOW);
        assertThat(child.deadline()).contains(T0.plusSeconds(1));
        assertThat(child.toString()).contains(".WithDeadline(");
        time.advance(Duration.ofSeconds(1));
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(child.cause()).isIn(TOO_SLOW, Context.DEADLINE_EXCEEDED);
    }

    @Test
    void nestedDeadlinesFireInTimeOrderWithinOneAdvance() {
        ManualTimeSource time = manualClock();
        Throwable outer = new Exception("outer");
        Throwable inner = new Exception("inner");
        CancellableContext parent = rootOn(time).withDeadline(T0.plusSeconds(10), outer);
        CancellableContext child = parent.withDeadline(T0.plusSeconds(5), inner);
        time.advance(Duration.ofSeconds(60));
        assertThat(child.cause()).isSameAs(inner);
        assertThat(parent.cause()).isSameAs(outer);
    }

    @Test
    void deadlineInThePastOrNowIsDoneAtOnce() {
        ManualTimeSource time = manualClock();
        Context root = rootOn(time);
        for (Instant past : new Instant[] {T0, T0.minusNanos(1), T0.minusSeconds(3600), Instant.EPOCH, Instant.MIN}) {
            CancellableContext ctx = root.withDeadline(past);
            assertThat(ctx.done().isDone()).as("deadline %s", past).isTrue();
            assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
            assertThat(ctx.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
            assertThat(ctx.deadline()).contains(past);
            CancellableContext withCause = root.withDeadline(past, TOO_SLOW);
            assertThat(withCause.err()).isSameAs(Context.DEADLINE_EXCEEDED);
            assertThat(withCause.cause()).isSameAs(TOO_SLOW);
        }
        assertThat(time.pendingTimers()).isZero();
    }

    @Test
    void deadlineInThePastOnTheRealClockIsDoneAtOnce() {
        CancellableContext ctx = Context.background().withDeadline(Instant.now().minusMillis(1), TOO_SLOW);
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.cause()).isSameAs(TOO_SLOW);
        CancellableContext now = Context.background().withDeadline(Instant.now());
        assertThat(now.err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void instantMaxNeverFiresAndDoesNotOverflow() {
        ManualTimeSource time = manualClock();
        CancellableContext ctx = rootOn(time).withDeadline(Instant.MAX, TOO_SLOW);
        assertThat(ctx.deadline()).contains(Instant.MAX);
        assertThat(ctx.toString()).contains("WithDeadline(");
        time.advance(Duration.ofSeconds(Long.MAX_VALUE)); // the clock saturates at Instant.MAX
        assertThat(ctx.err()).isNull();
        ctx.cancel();
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);

        int timersBefore = SystemTimer.INSTANCE.size();
        try (CancellableContext real = Context.background().withDeadline(Instant.MAX)) {
            assertThat(real.deadline()).contains(Instant.MAX);
            assertThat(real.err()).isNull();
            assertThat(SystemTimer.INSTANCE.size()).as("nothing scheduled").isEqualTo(timersBefore);
        }
    }

    @Test
    void deriveFromDoneParentIsDoneWithTheParentsErrorAndNoTimer() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withCancel();
        Throwable cause = new Exception("gone");
        parent.cancel(cause);
        CancellableContext child = parent.withDeadline(T0.plusSeconds(5), TOO_SLOW);
        assertThat(child.err()).isSameAs(Context.CANCELED);
        assertThat(child.cause()).isSameAs(cause);
        assertThat(time.pendingTimers()).isZero();

        CancellableContext pastChild = parent.withDeadline(T0.minusSeconds(5), TOO_SLOW);
        assertThat(pastChild.err())
                .as("a done parent wins over a passed deadline")
                .isSameAs(Context.CANCELED);
        assertThat(pastChild.cause()).isSameAs(cause);
    }

    @Test
    void timerIsReleasedWhenTheContextIsCanceledOrItsParentIs() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withCancel();
        CancellableContext a = parent.withDeadline(T0.plusSeconds(5));
        CancellableContext b = parent.withDeadline(T0.plusSeconds(6));
        assertThat(time.pendingTimers()).isEqualTo(2);
        a.cancel();
        assertThat(time.pendingTimers()).isEqualTo(1);
        parent.cancel();
        assertThat(time.pendingTimers()).isZero();
        assertThat(b.err()).isSameAs(Context.CANCELED);
    }

    @Test
    void systemTimerEntryIsReleasedOnCancel() {
        int before = SystemTimer.INSTANCE.size();
        CancellableContext ctx = Context.background().withDeadline(Instant.now().plusSeconds(3600));
        assertThat(SystemTimer.INSTANCE.size()).isEqualTo(before + 1);
        ctx.cancel();
        assertThat(SystemTimer.INSTANCE.size()).isEqualTo(before);
    }

    /** Go's TestDeadline on the real clock, including a user-written wrapper in between. */
    @Test
    void realClockDeadlinesFire() throws InterruptedException {
        CancellableContext c1 = Context.background().withDeadline(Instant.now().plusMillis(5));
        assertThat(c1.toString()).startsWith("context.Background.WithDeadline(");
        CancellableContext c2 = Context.background().withDeadline(Instant.now().plusMillis(5));
        Context o = new DelegatingContext(c2);
        CancellableContext c3 = o.withDeadline(Instant.now().plus(Duration.ofHours(1000)));
        for (Context c : new Context[] {c1, o, c3}) {
            assertThat(c.done().await(PATIENCE)).as("%s", c).isTrue();
            assertThat(c.err()).as("%s", c).isSameAs(Context.DEADLINE_EXCEEDED);
        }
        assertThat(c3.deadline()).isEqualTo(c2.deadline());
    }

    @Test
    void deadlineIsInheritedByValueAndCancelChildrenButNotByWithoutCancel() {
        ManualTimeSource time = manualClock();
        CancellableContext ctx = rootOn(time).withDeadline(T0.plusSeconds(7));
        Context below = ctx.withValue(Key.of("k"), "v").withCancel();
        assertThat(below.deadline()).contains(T0.plusSeconds(7));
        assertThat(new DelegatingContext(below).withCancel().deadline()).contains(T0.plusSeconds(7));
        assertThat(below.withoutCancel().deadline()).isEqualTo(Optional.empty());
        ctx.cancel();
    }
}
