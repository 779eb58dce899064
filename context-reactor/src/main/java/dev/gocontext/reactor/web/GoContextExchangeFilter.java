package dev.gocontext.reactor.web;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import java.util.Map;
import java.util.Objects;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * A {@code WebClient} filter that carries the subscriber's ctx to the server called, by gocontext's
 * HTTP conventions ({@code GoContextHttp}):
 *
 * <ul>
 *   <li>to allowed hosts only, the request carries {@code X-Request-Timeout} (the ctx's remaining
 *       time in milliseconds) and {@code X-Request-ID} (the ctx's request id); to other hosts it
 *       carries neither, even if the caller set them;
 *   <li>the exchange and the response body are bound to the ctx ({@code GoContext.deadlineOf}):
 *       when the ctx is done, the call is cancelled (closing the connection, so the server sees its
 *       client go away) and fails with {@code ctx.err()}.
 * </ul>
 *
 * <pre>{@code
 * WebClient prices = WebClient.builder()
 *         .baseUrl("http://prices.internal")
 *         .filter(new GoContextExchangeFilter(OutboundPropagation.toHosts("prices.internal")))
 *         .build();
 * // in a handler running under GoContextWebFilter: the call gets the request's remaining budget
 * Mono<String> eur = prices.get().uri("/eur").retrieve().bodyToMono(String.class);
 * }</pre>
 */
public final class GoContextExchangeFilter implements ExchangeFilterFunction {
    /**
     * The {@code ClientRequest} attribute under which the filter stores the call's ctx (a {@code
     * dev.gocontext.Context}), e.g. for a client observation convention.
     */
    public static final String CTX_ATTRIBUTE = GoContextExchangeFilter.class.getName() + ".ctx";

    private final OutboundPropagation propagation;

    /**
     * Propagation to the hosts {@code propagation} allows.
     *
     * @throws NullPointerException if {@code propagation} is null
     */
    public GoContextExchangeFilter(OutboundPropagation propagation) {
        this.propagation = Objects.requireNonNull(propagation, "propagation");
    }

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        return Mono.deferContextual(view -> {
            Context ctx = GoContext.from(view);
            Map<String, String> propagated =
                    propagation.headersFor(ctx, request.url().getHost());
            ClientRequest outgoing = ClientRequest.from(request)
                    .headers(headers -> {
                        headers.remove(propagation.timeoutHeader());
                        headers.remove(propagation.requestIdHeader());
                        propagated.forEach(headers::set);
                    })
                    .attribute(CTX_ATTRIBUTE, ctx)
                    .build();
            return GoContext.deadlineOf(next.exchange(outgoing))
                    .map(response ->
                            response.mutate().body(GoContext::deadlineOf).build());
        });
    }
}
