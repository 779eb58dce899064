package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import java.util.Objects;
import java.util.function.Function;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import reactor.netty.http.client.HttpClient;

/**
 * Applies {@link GoContextHttpClient#propagation} to the Reactor Netty {@code HttpClient} of every
 * connector Boot builds ({@code ReactorClientHttpConnectorBuilder}): on every request and redirect
 * hop, the remaining budget and the request id go to the allowed hosts only, and the connection is
 * closed when the caller's ctx is done.
 *
 * <pre>{@code
 * @Bean
 * WebClient prices(WebClient.Builder builder) {   // Boot's connector: the customizer is in it
 *     return builder.baseUrl("http://prices.internal").build();
 * }
 * }</pre>
 */
public final class GoContextHttpConnectorCustomizer
        implements ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> {
    private final Function<HttpClient, HttpClient> propagation;
    private final String description;

    /**
     * Propagation to the hosts {@code propagation} allows.
     *
     * @throws NullPointerException if {@code propagation} is null
     */
    public GoContextHttpConnectorCustomizer(OutboundPropagation propagation) {
        this.propagation = GoContextHttpClient.propagation(Objects.requireNonNull(propagation, "propagation"));
        this.description = propagation.toString();
    }

    @Override
    public ReactorClientHttpConnectorBuilder customize(ReactorClientHttpConnectorBuilder builder) {
        return builder.withHttpClientCustomizer(propagation::apply);
    }

    @Override
    public String toString() {
        return "GoContextHttpConnectorCustomizer[" + description + "]";
    }
}
