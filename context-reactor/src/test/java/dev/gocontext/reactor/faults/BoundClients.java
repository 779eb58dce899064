package dev.gocontext.reactor.faults;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The two clients that gocontext binds to the subscriber's ctx, over one Reactor Netty {@code
 * HttpClient} (and so one pool): Reactor Netty's own with {@link GoContextHttpClient}, and a {@code
 * WebClient} with {@link GoContextExchangeFilter} on Reactor Netty's connector.
 */
final class BoundClients {
    enum Client {
        NETTY,
        WEBCLIENT
    }

    private final HttpClient netty;
    private final WebClient webClient;

    private BoundClients(HttpClient base, OutboundPropagation propagation) {
        this.netty = GoContextHttpClient.propagation(propagation).apply(base);
        this.webClient = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(base))
                .filter(new GoContextExchangeFilter(propagation))
                .build();
    }

    static BoundClients over(HttpClient base, OutboundPropagation propagation) {
        return new BoundClients(base, propagation);
    }

    /** A GET of {@code url}'s body as a string, by {@code client}, bound to the subscriber's ctx. */
    Mono<String> get(Client client, String url) {
        return switch (client) {
            case NETTY ->
                GoContext.deadlineOf(
                        netty.get().uri(url).responseContent().aggregate().asString());
            case WEBCLIENT -> webClient.get().uri(url).retrieve().bodyToMono(String.class);
        };
    }
}
