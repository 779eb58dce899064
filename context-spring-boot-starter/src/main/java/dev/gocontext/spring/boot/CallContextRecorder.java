package dev.gocontext.spring.boot;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * Records the ctx of each WebClient call in the call's observation context, for {@link
 * GoContextObservationFilter}. WebClient gives its observation the request as it was before the
 * filters ran, so the exchange filter's request attribute is not visible there; the observation
 * itself is in the Reactor context of the filters, next to the ctx.
 */
final class CallContextRecorder implements ExchangeFilterFunction {
    /** The key of the call's ctx in a {@link ClientRequestObservationContext}. */
    static final Class<Context> CTX_KEY = Context.class;

    @Override
    public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
        return Mono.deferContextual(view -> {
            Object observation = view.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
            if (observation instanceof Observation observed
                    && observed.getContext() instanceof ClientRequestObservationContext context) {
                context.put(CTX_KEY, GoContext.from(view));
            }
            return next.exchange(request);
        });
    }

    /** The ctx recorded for the call observed by {@code context}, or null. */
    static @Nullable Context ctxOf(ClientRequestObservationContext context) {
        return context.get(CTX_KEY);
    }

    @Override
    public String toString() {
        return "CallContextRecorder";
    }
}
