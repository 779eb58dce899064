package dev.gocontext;

import static dev.gocontext.TestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Go's {@code WithoutCancel}: the parent's values, but no deadline, {@code Done.never()}, and
 * {@code err()} / {@code cause()} null, whatever happens to the parent.
 */
class WithoutCancelTest {
    static final Key<String> USER = Key.of("user");

    @Test
    void keepsValuesButNotDeadlineNorCancellation() {
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext parent =
                TestSupport.rootOn(time).withValue(USER, "alice").withDeadline(T0.plusSeconds(1));
        Context detached = parent.withoutCancel();

        assertThat(detached.value(USER)).isEqualTo("alice");
        assertThat(detached.deadline()).isEmpty();
        assertThat(detached.done()).isSameAs(Done.never());
        assertThat(detached.err()).isNull();
        assertThat(detached.cause()).isNull();

        parent.cancel(new Exception("request over"));
        time.advance(Duration.ofSeconds(5));
        assertThat(detached.err()).isNull();
        assertThat(detached.cause()).isNull();
        assertThat(detached.done().isDone()).isFalse();
        assertThat(detached.value(USER)).isEqualTo("alice");
    }

    @Test
    void ofAnAlreadyDoneParentIsNotDone() {
        CancellableContext parent = Context.background().withTimeout(Duration.ZERO);
        Context detached = parent.withoutCancel();
        assertThat(detached.err()).isNull();
        assertThat(detached.cause()).isNull();
        CancellableContext child = detached.withCancel();
        assertThat(child.err()).as("a child of a detached context starts live").isNull();
        child.cancel();
    }

    @Test
    void childrenAreNotCanceledByTheOriginalParentButByTheirOwnCancel() {
        ManualTimeSource time = TestSupport.manualClock();
        CancellableContext parent = TestSupport.rootOn(time).withCancel();
        CancellableContext child = parent.withoutCancel().withTimeout(Duration.ofSeconds(10));
        assertThat(child.deadline())
                .as("the time source is a value, so it is kept")
                .contains(T0.plusSeconds(10));
        parent.cancel();
        assertThat(child.err()).isNull();
        time.advance(Duration.ofSeconds(10));
        assertThat(child.err()).isSameAs(Context.DEADLINE_EXCEEDED);
    }

    @Test
    void valuesBoundBelowShadowThoseAbove() {
        Context detached = Context.background().withValue(USER, "alice").withoutCancel();
        Context below = detached.withValue(USER, "bob");
        assertThat(below.value(USER)).isEqualTo("bob");
        assertThat(detached.value(USER)).isEqualTo("alice");
    }
}
