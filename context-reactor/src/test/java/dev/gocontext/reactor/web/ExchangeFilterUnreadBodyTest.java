package dev.gocontext.reactor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A response whose ctx ends before its body is read: the filter subscribes the real body and
 * cancels it at once, so that the connection goes back, and the reader gets {@code ctx.err()}.
 * Spring's Reactor Netty connector refuses that subscription when it has released the body itself
 * already (a cancel reached it first): that refusal is expected and must not surface as a dropped
 * error.
 */
class ExchangeFilterUnreadBodyTest {
    private static final ClientRequest REQUEST = ClientRequest.create(
                    HttpMethod.GET, URI.create("http://localhost/unread"))
            .build();

    @Test
    void aBodyTheConnectorReleasedAlreadyDropsNoErrorWhenItsCtxEndsFirst() {
        AtomicInteger subscriptions = new AtomicInteger();
        // what Spring's connector answers once it has released the body after a cancel
        Flux<DataBuffer> releasedBody = Flux.<DataBuffer>never().doOnSubscribe(s -> {
            subscriptions.incrementAndGet();
            throw new IllegalStateException("The client response body has been released already");
        });
        ClientResponse response = respond(releasedBody);

        assertTheReaderGetsTheCtxsErrorAndNothingIsDropped(response);
        assertThat(subscriptions)
                .as("the real body was subscribed, to give it back")
                .hasValue(1);
    }

    /**
     * The same body as the connector builds it over Reactor Netty: the connector's drain of the body
     * holds Reactor Netty's only receiver, so a second subscription is refused by Reactor Netty too,
     * with an error that follows the connector's own. That second error reaches an operator of the
     * connector that has failed already, which drops it.
     */
    @Test
    void aBodyTheConnectorDrainsAlreadyDropsNoErrorWhenItsCtxEndsFirst() {
        Flux<DataBuffer> releasedBody = Flux.<DataBuffer>error(
                        new IllegalStateException("Rejecting additional inbound receiver"))
                .doOnSubscribe(s -> {
                    throw new IllegalStateException("The client response body has been released already");
                })
                .map(buffer -> buffer);
        ClientResponse response = respond(releasedBody);

        assertTheReaderGetsTheCtxsErrorAndNothingIsDropped(response);
    }

    @Test
    void aBodyNotReadBeforeItsCtxEndsIsSubscribedAndCancelled() {
        AtomicInteger cancels = new AtomicInteger();
        ClientResponse response = respond(Flux.<DataBuffer>never().doOnCancel(cancels::incrementAndGet));

        assertTheReaderGetsTheCtxsErrorAndNothingIsDropped(response);
        assertThat(cancels)
                .as("the real body was cancelled, which gives the connection back")
                .hasValue(1);
    }

    private static void assertTheReaderGetsTheCtxsErrorAndNothingIsDropped(ClientResponse response) {
        StepVerifier.create(response.bodyToMono(String.class))
                .expectErrorMatches(e -> e == Context.CANCELED)
                .verifyThenAssertThat(Duration.ofSeconds(10))
                .hasNotDroppedErrors();
    }

    /** The filtered response of a call whose ctx is canceled once the response has arrived. */
    private static ClientResponse respond(Flux<DataBuffer> body) {
        CancellableContext ctx = Context.background().withCancel();
        GoContextExchangeFilter filter = new GoContextExchangeFilter(OutboundPropagation.toHosts("localhost"));
        ClientResponse response = filter.filter(
                        REQUEST,
                        request -> Mono.just(
                                ClientResponse.create(HttpStatus.OK).body(body).build()))
                .contextWrite(GoContext.with(ctx))
                .block(Duration.ofSeconds(10));
        assertThat(response).isNotNull();
        ctx.cancel();
        return response;
    }
}
