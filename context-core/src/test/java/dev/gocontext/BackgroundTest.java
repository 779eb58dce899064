package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Go's {@code Background()} and {@code TODO()}: shared roots that are never done. */
class BackgroundTest {
    static Stream<Context> roots() {
        return Stream.of(Context.background(), Context.todo());
    }

    @Test
    void backgroundAndTodoAreSharedDistinctInstances() {
        assertThat(Context.background()).isSameAs(Context.background());
        assertThat(Context.todo()).isSameAs(Context.todo());
        assertThat(Context.background()).isNotSameAs(Context.todo());
    }

    @ParameterizedTest
    @MethodSource("roots")
    void rootIsNeverDoneAndHasNoDeadlineNoErrorNoCause(Context root) throws InterruptedException {
        assertThat(root.done()).isSameAs(Done.never());
        assertThat(root.done().isDone()).isFalse();
        assertThat(root.done().await(Duration.ofMillis(1))).isFalse();
        assertThat(root.deadline()).isEmpty();
        assertThat(root.err()).isNull();
        assertThat(root.cause()).isNull();
    }

    @ParameterizedTest
    @MethodSource("roots")
    void rootHasNoValues(Context root) {
        assertThat(root.value(Key.<String>of("anything"))).isNull();
    }

    @Test
    void toStringIsGos() {
        assertThat(Context.background()).hasToString("context.Background");
        assertThat(Context.todo()).hasToString("context.TODO");
    }

    @ParameterizedTest
    @MethodSource("roots")
    void afterDoneOnARootNeverRunsAndStopReportsItPreventedTheRun(Context root) {
        AtomicInteger runs = new AtomicInteger();
        Registration registration = root.afterDone(runs::incrementAndGet, Runnable::run);
        assertThat(runs).hasValue(0);
        // Go: AfterFunc on a context that is never done; stop() is the call that stops it
        assertThat(registration.stop()).isTrue();
        assertThat(registration.stop()).isFalse();
        assertThat(runs).hasValue(0);
    }

    @ParameterizedTest
    @MethodSource("roots")
    void cancellingAChildNeverAffectsTheRoot(Context root) {
        CancellableContext child = root.withCancel();
        child.cancel();
        assertThat(root.err()).isNull();
        assertThat(root.done().isDone()).isFalse();
    }
}
