package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.http.client.HttpClient;

/**
 * Outbound propagation for the clients Boot builds: the {@link OutboundPropagation} of {@code
 * gocontext.client.allowed-hosts} (none by default: no host gets the headers, and calls are still
 * canceled with their caller's ctx), a {@link GoContextWebClientCustomizer} for every {@code
 * WebClient.Builder} (needs {@code spring-boot-webclient}), and a {@link
 * GoContextHttpConnectorCustomizer} for Boot's Reactor Netty connector.
 *
 * <pre>{@code
 * gocontext.client.allowed-hosts=orders.internal,*.billing.internal
 * }</pre>
 */
@AutoConfiguration(after = GoContextAutoConfiguration.class)
public final class GoContextClientAutoConfiguration {
    GoContextClientAutoConfiguration() {}

    @Bean
    @ConditionalOnMissingBean
    OutboundPropagation goContextOutboundPropagation(GoContextProperties properties) {
        return ConfiguredPropagation.of(properties);
    }

    /** The exchange filter in every {@code WebClient.Builder} Boot provides. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({WebClientCustomizer.class, GoContextExchangeFilter.class})
    static final class WebClientConfiguration {
        @Bean
        @ConditionalOnMissingBean
        GoContextWebClientCustomizer goContextWebClientCustomizer(OutboundPropagation propagation) {
            return new GoContextWebClientCustomizer(propagation);
        }
    }

    /** The Reactor Netty customizer in every connector Boot builds. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({
        ClientHttpConnectorBuilderCustomizer.class,
        ReactorClientHttpConnectorBuilder.class,
        HttpClient.class,
        GoContextHttpClient.class
    })
    static final class ReactorNettyConfiguration {
        @Bean
        @ConditionalOnMissingBean
        GoContextHttpConnectorCustomizer goContextHttpConnectorCustomizer(OutboundPropagation propagation) {
            return new GoContextHttpConnectorCustomizer(propagation);
        }
    }
}
