package dev.gocontext;

import static dev.gocontext.TestSupport.PATIENCE;
import static dev.gocontext.TestSupport.T0;
import static dev.gocontext.TestSupport.manualClock;
import static dev.gocontext.TestSupport.rootOn;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Go's {@code WithTimeout} and {@code WithTimeoutCause}: {@code withDeadline(now + timeout)}. */
class TimeoutTest {
    static final Throwable TOO_SLOW = new Exception("tooSlow");

    @Test
    void timeoutIsADeadlineFromNow() {
        ManualTimeSource time = manualClock();
        time.advance(Duration.ofMinutes(1));
        CancellableContext ctx = rootOn(time).withTimeout(Duration.ofSeconds(3));
        assertThat(ctx.deadline()).contains(T0.plus(Duration.ofMinutes(1)).plusSeconds(3));
        time.advance(Duration.ofMillis(2999));
        assertThat(ctx.err()).isNull();
        time.advance(Duration.ofMillis(1));
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void timeoutCauseOnlyWhenItsOwnDeadlineFires() {
        ManualTimeSource time = manualClock();
        Context root = rootOn(time);
        CancellableContext fired = root.withTimeout(Duration.ofSeconds(1), TOO_SLOW);
        CancellableContext canceled = root.withTimeout(Duration.ofSeconds(1), TOO_SLOW);
        CancellableContext parent = root.withCancel();
        CancellableContext byParent = parent.withTimeout(Duration.ofSeconds(1), TOO_SLOW);
        canceled.cancel();
        Exception parentCause = new Exception("parent");
        parent.cancel(parentCause);
        time.advance(Duration.ofSeconds(1));

        assertThat(fired.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(fired.cause()).isSameAs(TOO_SLOW);
        assertThat(canceled.err()).isSameAs(Context.CANCELED);
        assertThat(canceled.cause()).isSameAs(Context.CANCELED);
        assertThat(byParent.err()).isSameAs(Context.CANCELED);
        assertThat(byParent.cause()).isSameAs(parentCause);
    }

    static Stream<Duration> notPositive() {
        return Stream.of(
                Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(-5), Duration.ofSeconds(Long.MIN_VALUE));
    }

    @ParameterizedTest
    @MethodSource("notPositive")
    void timeoutNotPositiveIsDoneAtOnce(Duration timeout) {
        ManualTimeSource time = manualClock();
        CancellableContext ctx = rootOn(time).withTimeout(timeout);
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
        CancellableContext withCause = rootOn(time).withTimeout(timeout, TOO_SLOW);
        assertThat(withCause.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(withCause.cause()).isSameAs(TOO_SLOW);
        CancellableContext real = Context.background().withTimeout(timeout, TOO_SLOW);
        assertThat(real.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(real.cause()).isSameAs(TOO_SLOW);
        assertThat(time.pendingTimers()).isZero();
    }

    static Stream<Duration> huge() {
        return Stream.of(
                Duration.ofSeconds(Long.MAX_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
                Duration.ofNanos(Long.MAX_VALUE),
                ChronoUnit.MILLENNIA.getDuration().multipliedBy(1000));
    }

    @ParameterizedTest
    @MethodSource("huge")
    void hugeTimeoutsNeverFireAndDoNotOverflow(Duration timeout) {
        ManualTimeSource time = manualClock();
        CancellableContext ctx = rootOn(time).withTimeout(timeout, TOO_SLOW);
        assertThat(ctx.err()).isNull();
        assertThat(ctx.deadline()).hasValueSatisfying(d -> assertThat(d).isAfter(T0.plus(Duration.ofDays(365L * 100))));
        assertThat(ctx.toString()).contains(".WithDeadline(");
        time.advance(Duration.ofDays(365L * 100));
        assertThat(ctx.err()).isNull();
        ctx.cancel();
        assertThat(ctx.cause()).isSameAs(Context.CANCELED);

        int timersBefore = SystemTimer.INSTANCE.size();
        try (CancellableContext real = Context.background().withTimeout(timeout)) {
            assertThat(real.err()).isNull();
            assertThat(real.deadline()).isPresent();
            assertThat(SystemTimer.INSTANCE.size()).isEqualTo(timersBefore);
        }
    }

    @Test
    void durationOfLongMaxSecondsSaturatesToInstantMax() {
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(Long.MAX_VALUE))) {
            assertThat(ctx.deadline()).contains(Instant.MAX);
        }
    }

    @Test
    void earlierParentDeadlineWinsOverTheTimeout() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withTimeout(Duration.ofSeconds(1));
        CancellableContext child = parent.withTimeout(Duration.ofSeconds(10), TOO_SLOW);
        CancellableContext hugeChild = parent.withTimeout(Duration.ofSeconds(Long.MAX_VALUE), TOO_SLOW);
        assertThat(child.deadline()).contains(T0.plusSeconds(1));
        assertThat(hugeChild.deadline()).contains(T0.plusSeconds(1));
        time.advance(Duration.ofSeconds(30));
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(child.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(hugeChild.cause()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    /** Go's TestCanceledTimeout: cancel propagates synchronously through a user-written wrapper. */
    @Test
    void canceledTimeoutUnderAUserWrittenWrapper() {
        ManualTimeSource time = manualClock();
        CancellableContext c = rootOn(time).withTimeout(Duration.ofSeconds(1));
        Context o = new DelegatingContext(c);
        CancellableContext child = o.withTimeout(Duration.ofHours(1000));
        child.cancel();
        assertThat(child.done().isDone()).isTrue();
        assertThat(child.err()).isSameAs(Context.CANCELED);
        assertThat(c.err()).isNull();
        c.cancel();
    }

    @Test
    void timeoutFromADoneParentHasTheParentsErrorAndSchedulesNothing() {
        ManualTimeSource time = manualClock();
        CancellableContext parent = rootOn(time).withTimeout(Duration.ofSeconds(1), TOO_SLOW);
        time.advance(Duration.ofSeconds(1));
        CancellableContext child = parent.withTimeout(Duration.ofSeconds(5), new Exception("unused"));
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(child.cause()).isSameAs(TOO_SLOW);
        assertThat(time.pendingTimers()).isZero();
    }

    /** Go's TestTimeout on the real clock. */
    @Test
    void realClockTimeoutFires() throws InterruptedException {
        int timersBefore = SystemTimer.INSTANCE.size();
        CancellableContext c = Context.background().withTimeout(Duration.ofMillis(5));
        assertThat(c.toString()).startsWith("context.Background.WithDeadline(");
        CancellableContext c2 = Context.background().withTimeout(Duration.ofMillis(5), TOO_SLOW);
        CancellableContext c3 = new DelegatingContext(c2).withTimeout(Duration.ofHours(1000));
        for (Context ctx : new Context[] {c, c2, c3}) {
            assertThat(ctx.done().await(PATIENCE)).as("%s", ctx).isTrue();
            assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        }
        assertThat(c2.cause()).isSameAs(TOO_SLOW);
        assertThat(c3.cause()).isSameAs(TOO_SLOW);
        assertThat(SystemTimer.INSTANCE.size()).as("no timer left behind").isEqualTo(timersBefore);
    }

    /** Go's TestLayersTimeout: a deep stack with short timers anywhere in it times out. */
    @Test
    void layersWithTimersTimeOutAndKeepTheirValues() throws InterruptedException {
        Context ctx = Context.background();
        Key<Integer> key = Key.of("layer");
        for (int i = 0; i < 30; i++) {
            ctx = switch (i % 3) {
                case 0 -> ctx.withValue(key, i);
                case 1 -> ctx.withCancel();
                default -> ctx.withTimeout(Duration.ofMillis(2));
            };
        }
        assertThat(ctx.done().await(PATIENCE)).isTrue();
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        assertThat(ctx.value(key)).isEqualTo(27);
    }
}
