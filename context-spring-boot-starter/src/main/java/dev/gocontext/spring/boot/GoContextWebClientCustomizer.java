package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.util.Objects;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Adds a {@link GoContextExchangeFilter} to every {@code WebClient.Builder} that Boot provides: each
 * call sends the caller's remaining budget and request id to the allowed hosts, and is canceled
 * when the caller's ctx is done. A builder that has such a filter already is left as it is.
 *
 * <pre>{@code
 * @Bean
 * WebClient orders(WebClient.Builder builder) {   // Boot's builder: the filter is in it
 *     return builder.baseUrl("http://orders.internal").build();
 * }
 * }</pre>
 */
public final class GoContextWebClientCustomizer implements WebClientCustomizer {
    private final OutboundPropagation propagation;

    /**
     * Adds filters that propagate to the hosts {@code propagation} allows.
     *
     * @throws NullPointerException if {@code propagation} is null
     */
    public GoContextWebClientCustomizer(OutboundPropagation propagation) {
        this.propagation = Objects.requireNonNull(propagation, "propagation");
    }

    @Override
    public void customize(WebClient.Builder builder) {
        builder.filters(filters -> {
            if (filters.stream().noneMatch(GoContextExchangeFilter.class::isInstance)) {
                filters.add(new GoContextExchangeFilter(propagation));
            }
        });
    }

    @Override
    public String toString() {
        return "GoContextWebClientCustomizer[" + propagation + "]";
    }
}
