package dev.gocontext;

import static dev.gocontext.TestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code toString()} in Go's forms: the chain of derivations from the root. */
class ToStringTest {
    static final Key<String> USER = Key.of("user");
    private final LeakDetection.Level savedLevel = LeakDetection.level();

    @AfterEach
    void restore() {
        LeakDetection.setLevel(savedLevel);
    }

    /** The same strings whether or not the handle is tracked by leak detection. */
    @ParameterizedTest
    @EnumSource(
            value = LeakDetection.Level.class,
            names = {"DISABLED", "ALL"})
    void derivationChains(LeakDetection.Level level) {
        LeakDetection.setLevel(level);
        try (CancellableContext ctx = Context.background().withCancel()) {
            assertThat(ctx).hasToString("context.Background.WithCancel");
            assertThat(Context.todo().withCancel()).hasToString("context.TODO.WithCancel");
            Context value = ctx.withValue(USER, "alice");
            assertThat(value).hasToString("context.Background.WithCancel.WithValue(user, alice)");
            assertThat(value.withoutCancel())
                    .hasToString("context.Background.WithCancel.WithValue(user, alice).WithoutCancel");
            assertThat(value.withoutCancel().withCancel())
                    .hasToString("context.Background.WithCancel.WithValue(user, alice).WithoutCancel.WithCancel");
            assertThat(Context.background().withValue(USER, null))
                    .hasToString("context.Background.WithValue(user, null)");
        }
    }

    @Test
    void deadlineShowsTheInstantAndTheTimeLeft() {
        ManualTimeSource time = TestSupport.manualClock();
        Context root = Context.background().withTimeSource(time);
        CancellableContext ctx = root.withTimeout(Duration.ofSeconds(3));
        assertThat(ctx.toString()).isEqualTo(root + ".WithDeadline(" + T0.plusSeconds(3) + " [PT3S])");
        time.advance(Duration.ofMillis(500));
        assertThat(ctx.toString()).isEqualTo(root + ".WithDeadline(" + T0.plusSeconds(3) + " [PT2.5S])");
        time.advance(Duration.ofSeconds(10));
        assertThat(ctx.toString()).isEqualTo(root + ".WithDeadline(" + T0.plusSeconds(3) + " [PT-7.5S])");
    }

    @Test
    void realClockDeadlineHasGosShape() {
        Instant deadline = Instant.now().plusSeconds(3600);
        try (CancellableContext ctx = Context.background().withDeadline(deadline)) {
            assertThat(ctx.toString())
                    .startsWith("context.Background.WithDeadline(" + deadline + " [PT")
                    .endsWith("S])");
        }
    }

    @Test
    void deadlineLaterThanTheParentsIsAWithCancel() {
        ManualTimeSource time = TestSupport.manualClock();
        Context root = Context.background().withTimeSource(time);
        CancellableContext parent = root.withTimeout(Duration.ofSeconds(1));
        assertThat(parent.withTimeout(Duration.ofSeconds(5)).toString()).isEqualTo(parent + ".WithCancel");
    }

    @Test
    void userWrittenParentsAppearByTheirOwnToString() {
        assertThat(new FutureContext().withValue(USER, "bob")).hasToString("FutureContext.WithValue(user, bob)");
    }

    @Test
    void doneAndStatsAndTimeSourcesDescribeThemselves() {
        CancellableContext ctx = Context.background().withCancel();
        assertThat(ctx.done().toString()).isEqualTo("Done[context.Background.WithCancel]");
        ctx.cancel();
        assertThat(ctx.done().toString()).isEqualTo("Done[context.Background.WithCancel, done]");
        assertThat(Done.never()).hasToString("Done.never");
        assertThat(ContextStats.global().toString()).startsWith("ContextStats[created=");
        assertThat(TestSupport.manualClock()).hasToString("ManualTimeSource[" + T0 + ", 0 timers]");
        assertThat(TimeSource.system()).hasToString("TimeSource.system");
    }
}
