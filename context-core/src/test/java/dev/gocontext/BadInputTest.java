package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Null arguments fail fast with a {@link NullPointerException} whose message names the argument,
 * on every public method and every kind of receiver, and nothing is created or left running.
 */
class BadInputTest {
    private static final List<CancellableContext> TO_CANCEL = new ArrayList<>();

    @AfterAll
    static void cancelReceivers() {
        TO_CANCEL.forEach(CancellableContext::cancel);
    }

    private static CancellableContext keep(CancellableContext ctx) {
        TO_CANCEL.add(ctx);
        return ctx;
    }

    /** Every kind of context this library returns, live and done, plus a user-written one. */
    static Stream<Arguments> receivers() {
        return Stream.<Supplier<Context>>of(
                        Context::background,
                        Context::todo,
                        () -> keep(Context.background().withCancel()),
                        () -> keep(Context.background().withTimeout(Duration.ofHours(1))),
                        () -> Context.background().withValue(Key.of("k"), 1),
                        () -> Context.background().withoutCancel(),
                        () -> Context.background().withTimeSource(TestSupport.manualClock()),
                        () -> {
                            CancellableContext c = Context.background().withCancel();
                            c.cancel();
                            return c;
                        },
                        () -> Context.background().withTimeout(Duration.ZERO),
                        () -> new DelegatingContext(keep(Context.background().withCancel())),
                        FutureContext::new)
                .map(s -> {
                    Context c = s.get();
                    return Arguments.of(c.getClass().getSimpleName() + ": " + c, c);
                });
    }

    static Stream<Arguments> nullArgumentsOnContext() {
        Instant later = Instant.now().plusSeconds(3600);
        Throwable cause = new Exception("cause");
        return receivers().flatMap(r -> {
            Context c = (Context) r.get()[1];
            String on = (String) r.get()[0];
            return Stream.of(
                    call(on, "value(null)", "key", () -> c.value(null)),
                    call(on, "withDeadline(null)", "deadline", () -> c.withDeadline(null)),
                    call(on, "withDeadline(null, cause)", "deadline", () -> c.withDeadline(null, cause)),
                    call(on, "withDeadline(later, null)", "cause", () -> c.withDeadline(later, null)),
                    call(on, "withTimeout(null)", "timeout", () -> c.withTimeout(null)),
                    call(on, "withTimeout(null, cause)", "timeout", () -> c.withTimeout(null, cause)),
                    call(on, "withTimeout(1h, null)", "cause", () -> c.withTimeout(Duration.ofHours(1), null)),
                    call(on, "withValue(null, v)", "key", () -> c.withValue(null, "v")),
                    call(on, "withTimeSource(null)", "timeSource", () -> c.withTimeSource(null)),
                    call(on, "afterDone(null)", "action", () -> c.afterDone(null)),
                    call(on, "afterDone(null, executor)", "action", () -> c.afterDone(null, Runnable::run)),
                    call(on, "afterDone(action, null)", "executor", () -> c.afterDone(() -> {}, null)),
                    call(on, "done().await(null)", "timeout", () -> c.done().await(null)));
        });
    }

    static Stream<Arguments> nullArgumentsElsewhere() {
        ManualTimeSource manual = TestSupport.manualClock();
        return Stream.of(
                call("Key", "of(null)", "name", () -> Key.of(null)),
                call("LeakDetection", "setLevel(null)", "level", () -> LeakDetection.setLevel(null)),
                call("TimeSource", "manual(null)", "start", () -> TimeSource.manual(null)),
                call("ManualTimeSource", "advance(null)", "duration", () -> manual.advance(null)),
                call("ManualTimeSource", "schedule(null, d)", "task", () -> manual.schedule(null, Duration.ZERO)),
                call("ManualTimeSource", "schedule(task, null)", "delay", () -> manual.schedule(() -> {}, null)),
                call(
                        "TimeSource.system()",
                        "schedule(null, d)",
                        "task",
                        () -> TimeSource.system().schedule(null, Duration.ZERO)),
                call(
                        "TimeSource.system()",
                        "schedule(task, null)",
                        "delay",
                        () -> TimeSource.system().schedule(() -> {}, null)),
                call(
                        "Done.never()",
                        "await(null)",
                        "timeout",
                        () -> Done.never().await(null)));
    }

    private static Arguments call(String on, String method, String argument, Executable call) {
        return Arguments.of(on + " " + method, argument, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"nullArgumentsOnContext", "nullArgumentsElsewhere"})
    void nullArgumentIsRejectedByName(String call, String argument, Executable executable) {
        long created = ContextStats.global().created();
        assertThatNullPointerException().isThrownBy(executable::execute).withMessageContaining(argument);
        assertThat(ContextStats.global().created()).as("nothing was created").isEqualTo(created);
    }

    /**
     * {@code cancel(null)} is {@code cancel()} on every receiver: the receiver itself when it is a
     * live cancellable context, else a child of it, which a done receiver has already made done
     * with its own error and cause (the first cancellation wins).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("receivers")
    void nullCauseToCancelIsAllowedAndMeansCancel(String name, Context receiver) {
        ContextException receiverErr = receiver.err();
        Throwable receiverCause = receiver.cause();
        CancellableContext ctx =
                receiver instanceof CancellableContext c && receiverErr == null ? c : keep(receiver.withCancel());
        ctx.cancel(null);
        if (receiverErr == null) {
            assertThat(ctx.err()).isSameAs(Context.CANCELED);
            assertThat(ctx.cause()).isSameAs(Context.CANCELED);
        } else {
            assertThat(ctx.err()).isSameAs(receiverErr);
            assertThat(ctx.cause()).isSameAs(receiverCause);
        }
    }

    @Test
    void nullValueIsAllowed() {
        Key<String> key = Key.of("k");
        assertThat(Context.background().withValue(key, null).value(key)).isNull();
    }

    @Test
    void negativeAdvanceIsRejectedWithTheDuration() {
        ManualTimeSource time = TestSupport.manualClock();
        assertThatThrownBy(() -> time.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S");
        assertThat(time.now()).isEqualTo(TestSupport.T0);
    }
}
