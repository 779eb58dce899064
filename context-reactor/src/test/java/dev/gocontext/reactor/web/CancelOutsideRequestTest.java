package dev.gocontext.reactor.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;

/**
 * {@link CancelOutsideRequest}: a cancel reaches the source at once when no request is running, and
 * only after the request has returned when one is; the value and completion pass through.
 */
class CancelOutsideRequestTest {
    private final List<String> sourceSaw = new ArrayList<>();

    @Test
    void aCancelWithNoRequestRunningReachesTheSourceAtOnce() {
        BaseSubscriber<String> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                // no request
            }
        };
        new CancelOutsideRequest<>(recording(() -> {})).subscribe(subscriber);
        subscriber.dispose();
        assertThat(sourceSaw).containsExactly("cancel");
    }

    @Test
    void aCancelDuringARequestReachesTheSourceWhenTheRequestHasReturned() {
        List<String> received = new ArrayList<>();
        BaseSubscriber<String> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnNext(String value) {
                received.add(value);
            }
        };
        // the subscriber cancels while the source is still in its request, as another thread would
        new CancelOutsideRequest<>(recording(subscriber::dispose)).subscribe(subscriber);
        assertThat(sourceSaw).containsExactly("request", "request returns", "cancel");
        assertThat(received).containsExactly("value");
    }

    @Test
    void theValueAndCompletionPassThrough() {
        assertThat(new CancelOutsideRequest<>(Mono.just("value")).block()).isEqualTo("value");
    }

    /** A source that records its request and cancel, emits "value" and runs {@code inRequest} then. */
    private Mono<String> recording(Runnable inRequest) {
        return new Mono<>() {
            @Override
            public void subscribe(CoreSubscriber<? super String> actual) {
                actual.onSubscribe(new Subscription() {
                    @Override
                    public void request(long n) {
                        sourceSaw.add("request");
                        actual.onNext("value");
                        inRequest.run();
                        sourceSaw.add("request returns");
                    }

                    @Override
                    public void cancel() {
                        sourceSaw.add("cancel");
                    }
                });
            }
        };
    }
}
