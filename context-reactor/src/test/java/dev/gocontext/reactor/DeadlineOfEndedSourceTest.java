package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * A done signal that races with the end of the source never cancels a source that has ended. A
 * cancel after the end is not harmless everywhere: Reactor Netty disposes the exchange it
 * cancels, and a pooled connection given back at the end of one call and taken by the next was
 * closed under that next call ("Connection prematurely closed BEFORE response"). The race is made
 * deterministic with a hook that lets the source end just after the done signal claimed the
 * subscription's end.
 */
class DeadlineOfEndedSourceTest {

    @AfterEach
    void removeHook() {
        DeadlineSubscriber.stopping = null;
        DeadlineSubscriber.cancelling = null;
    }

    @Test
    void aMonoThatDeliversItsValueAsItsCtxEndsIsNotCancelledAfterwards() {
        EndingSource source = new EndingSource();
        List<String> seen = subscribe(GoContext.deadlineOf(source.mono()), source);

        assertThat(seen).containsExactly("value", "complete");
        assertThat(source.cancelledAfterItsEnd).as("cancelled after it ended").isFalse();
    }

    @Test
    void aFluxThatEndsAsItsCtxEndsIsNotCancelledAfterwards() {
        EndingSource source = new EndingSource();
        List<String> seen = subscribe(GoContext.deadlineOf(source.flux()), source);

        assertThat(seen).containsExactly("value", "complete");
        assertThat(source.cancelledAfterItsEnd).as("cancelled after it ended").isFalse();
    }

    @Test
    void aFluxThatEndsJustBeforeTheDoneSignalCancelsItIsNotCancelled() {
        EndingSource source = new EndingSource();
        DeadlineSubscriber.cancelling = source::end;
        List<String> seen = subscribe(GoContext.deadlineOf(source.flux()), null);

        // the done signal owned the outcome already: the late value is discarded, the ctx's error
        // delivered, and the source that has ended is left alone
        assertThat(seen).containsExactly("error " + Context.CANCELED);
        assertThat(source.ended).as("the source ended").isTrue();
        assertThat(source.cancelledAfterItsEnd).as("cancelled after it ended").isFalse();
    }

    /**
     * Subscribes under a ctx, then cancels the ctx; with a {@code source}, it ends just after that
     * done signal claimed the subscription's end.
     */
    private static List<String> subscribe(org.reactivestreams.Publisher<String> bound, @Nullable EndingSource source) {
        CancellableContext ctx = Context.background().withCancel();
        List<String> seen = new ArrayList<>();
        Flux.from(bound).contextWrite(GoContext.with(ctx)).subscribe(new BaseSubscriber<String>() {
            @Override
            protected void hookOnNext(String value) {
                seen.add(value);
            }

            @Override
            protected void hookOnComplete() {
                seen.add("complete");
            }

            @Override
            protected void hookOnError(Throwable error) {
                seen.add("error " + error);
            }

            @Override
            protected void hookFinally(SignalType type) {}
        });
        if (source != null) {
            DeadlineSubscriber.stopping = source::end;
        }
        ctx.cancel();
        return seen;
    }

    /** A source of one value that ends when told, and records a cancel that comes after its end. */
    private static final class EndingSource {
        private final AtomicReference<CoreSubscriber<? super String>> subscriber = new AtomicReference<>();
        volatile boolean ended;
        volatile boolean cancelledAfterItsEnd;

        Mono<String> mono() {
            return new Mono<>() {
                @Override
                public void subscribe(CoreSubscriber<? super String> actual) {
                    attach(actual);
                }
            };
        }

        Flux<String> flux() {
            return new Flux<>() {
                @Override
                public void subscribe(CoreSubscriber<? super String> actual) {
                    attach(actual);
                }
            };
        }

        private void attach(CoreSubscriber<? super String> actual) {
            subscriber.set(actual);
            actual.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {
                    if (ended) {
                        cancelledAfterItsEnd = true;
                    }
                }
            });
        }

        void end() {
            ended = true;
            CoreSubscriber<? super String> actual = subscriber.get();
            actual.onNext("value");
            actual.onComplete();
        }
    }
}
