package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.reactivestreams.Subscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;

/**
 * A ctx's error that Reactor drops in a sequence under {@code GoContext.with} (here: a collector
 * whose subscriber cancelled, emptying it, then receiving the error of a source that had not seen
 * the cancel yet) is not handed to {@code onErrorDropped}'s global handling, which logs at ERROR;
 * any other dropped error still is, or goes to the sequence-local hook that was there before. This
 * also checks that Reactor still reads a sequence-local hook under the key the library uses.
 */
class DroppedCtxErrorsTest {
    private final List<Throwable> global = new CopyOnWriteArrayList<>();

    @BeforeEach
    void watchGlobalHook() {
        Hooks.onErrorDropped(global::add);
    }

    @AfterEach
    void resetHooks() {
        Hooks.resetOnErrorDropped();
    }

    /** What the source reports once its subscriber has cancelled. */
    enum Dropped {
        CANCELED(Context.CANCELED, true),
        DEADLINE_EXCEEDED_WRAPPED(
                new IllegalStateException(
                        "call failed", new IllegalStateException("wrapped", Context.DEADLINE_EXCEEDED)),
                true),
        OTHER(new IllegalStateException("boom"), false);

        final Throwable error;
        final boolean ctxError;

        Dropped(Throwable error, boolean ctxError) {
            this.error = error;
            this.ctxError = ctxError;
        }
    }

    @ParameterizedTest
    @EnumSource(Dropped.class)
    void aCtxErrorDroppedAfterACancelIsQuietAnyOtherGoesToTheGlobalHook(Dropped kind) {
        SourceIgnoringCancel source = new SourceIgnoringCancel();
        try (CancellableContext ctx = Context.background().withCancel()) {
            Disposable collecting = collectUnder(source, ctx, reactorContext -> reactorContext);

            collecting.dispose(); // the collector empties itself
            source.error(kind.error); // and drops what comes after

            assertThat(global)
                    .as("dropped to the global hook")
                    .isEqualTo(kind.ctxError ? List.of() : List.of(kind.error));
        }
    }

    @ParameterizedTest
    @EnumSource(Dropped.class)
    void aSequenceLocalHookAlreadyThereStillGetsWhatIsNotACtxError(Dropped kind) {
        SourceIgnoringCancel source = new SourceIgnoringCancel();
        List<Throwable> local = new CopyOnWriteArrayList<>();
        Consumer<Throwable> userHook = local::add;
        try (CancellableContext ctx = Context.background().withCancel()) {
            Disposable collecting =
                    collectUnder(source, ctx, reactorContext -> reactorContext.put(DroppedCtxErrors.KEY, userHook));

            collecting.dispose();
            source.error(kind.error);

            assertThat(local)
                    .as("dropped to the sequence's own hook")
                    .isEqualTo(kind.ctxError ? List.of() : List.of(kind.error));
            assertThat(global).as("dropped to the global hook").isEmpty();
        }
    }

    @Test
    void nestedWithsInstallTheHookOnce() {
        try (CancellableContext ctx = Context.background().withCancel()) {
            reactor.util.context.Context once = GoContext.with(ctx).apply(reactor.util.context.Context.empty());
            reactor.util.context.Context twice = GoContext.with(ctx).apply(once);

            assertThat(twice.<Object>get(DroppedCtxErrors.KEY)).isSameAs(once.get(DroppedCtxErrors.KEY));
            assertThat(twice.size()).isEqualTo(2);
        }
    }

    /**
     * {@code source} collected under {@code ctx}; {@code outside} is applied to the Reactor context
     * below {@code GoContext.with}, as a subscriber's own {@code contextWrite} would be.
     */
    private static Disposable collectUnder(
            SourceIgnoringCancel source,
            Context ctx,
            java.util.function.Function<reactor.util.context.Context, reactor.util.context.Context> outside) {
        return Flux.from(source)
                .collect(ArrayList<String>::new, List::add)
                .contextWrite(GoContext.with(ctx))
                .contextWrite(outside)
                .subscribe(value -> {}, error -> {});
    }

    /** A source that sends what it is told to, whether or not its subscriber cancelled meanwhile. */
    private static final class SourceIgnoringCancel implements org.reactivestreams.Publisher<String> {
        private final AtomicReference<Subscriber<? super String>> subscriber = new AtomicReference<>();

        @Override
        public void subscribe(Subscriber<? super String> s) {
            subscriber.set(s);
            s.onSubscribe(Operators.emptySubscription()); // deaf to request and cancel
        }

        void error(Throwable error) {
            subscriber.get().onError(error);
        }
    }
}
