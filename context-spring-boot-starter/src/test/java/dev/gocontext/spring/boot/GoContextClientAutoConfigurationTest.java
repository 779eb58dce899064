package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;

/** Outbound propagation for Boot-built WebClients and Reactor Netty connectors. */
class GoContextClientAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    GoContextAutoConfiguration.class,
                    GoContextClientAutoConfiguration.class,
                    HttpClientAutoConfiguration.class,
                    ReactiveHttpClientAutoConfiguration.class,
                    WebClientAutoConfiguration.class));

    @Test
    void withoutAllowedHostsNoHostGetsTheHeaders() {
        runner.run(context -> {
            OutboundPropagation propagation = context.getBean(OutboundPropagation.class);
            assertThat(propagation.allows("localhost")).isFalse();
            assertThat(propagation.allows("orders.internal")).isFalse();
        });
    }

    @Test
    void allowedHostsAreExactNamesOrSubdomainPatterns() {
        runner.withPropertyValues("gocontext.client.allowed-hosts=orders.internal, *.billing.internal ,127.0.0.1,[::1]")
                .run(context -> {
                    OutboundPropagation propagation = context.getBean(OutboundPropagation.class);
                    assertThat(propagation.allows("orders.internal")).isTrue();
                    assertThat(propagation.allows("ORDERS.Internal")).isTrue();
                    assertThat(propagation.allows("eu.billing.internal")).isTrue();
                    assertThat(propagation.allows("a.eu.billing.internal")).isTrue();
                    assertThat(propagation.allows("127.0.0.1")).isTrue();
                    assertThat(propagation.allows("[::1]")).isTrue();
                    assertThat(propagation.allows("billing.internal")).isFalse();
                    assertThat(propagation.allows("evilbilling.internal")).isFalse();
                    assertThat(propagation.allows("orders.internal.evil.com")).isFalse();
                    assertThat(propagation.allows("localhost")).isFalse();
                });
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"http://orders.internal", "orders.internal:8080", "orders.internal/api", "*", "*.", "a..b", " "})
    void aValueThatIsNotAHostFailsNamingTheProperty(String host) {
        runner.withPropertyValues(
                        "gocontext.client.allowed-hosts[0]=localhost", "gocontext.client.allowed-hosts[1]=" + host)
                .run(context -> Failures.assertStartupFailure(context, "gocontext.client.allowed-hosts[1]"));
    }

    @Test
    void everyBootWebClientBuilderHasTheExchangeFilterOnce() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(GoContextWebClientCustomizer.class);
            WebClient.Builder builder = context.getBean(WebClient.Builder.class);
            context.getBean(GoContextWebClientCustomizer.class).customize(builder); // applied twice: still one filter
            assertThat(filtersOf(builder))
                    .filteredOn(GoContextExchangeFilter.class::isInstance)
                    .hasSize(1);
        });
    }

    @Test
    void withoutBootsWebClientSupportThereIsNoCustomizer() {
        runner.withClassLoader(new FilteredClassLoader(WebClientCustomizer.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(GoContextWebClientCustomizer.class);
                    assertThat(context).hasSingleBean(OutboundPropagation.class);
                });
    }

    @Test
    void bootsReactorNettyConnectorIsCustomized() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(GoContextHttpConnectorCustomizer.class);
            assertThat(context.getBean(ClientHttpConnectorBuilder.class))
                    .isInstanceOf(ReactorClientHttpConnectorBuilder.class);
        });
    }

    @Test
    void withoutReactorNettyThereIsNoConnectorCustomizer() {
        runner.withClassLoader(new FilteredClassLoader(HttpClient.class))
                .run(context -> assertThat(context).doesNotHaveBean(GoContextHttpConnectorCustomizer.class));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        OutboundPropagation own = OutboundPropagation.toHosts("mine.internal");
        GoContextWebClientCustomizer ownCustomizer = new GoContextWebClientCustomizer(own);
        GoContextHttpConnectorCustomizer ownConnector = new GoContextHttpConnectorCustomizer(own);
        runner.withPropertyValues("gocontext.client.allowed-hosts=orders.internal")
                .withBean(OutboundPropagation.class, () -> own)
                .withBean(GoContextWebClientCustomizer.class, () -> ownCustomizer)
                .withBean(GoContextHttpConnectorCustomizer.class, () -> ownConnector)
                .run(context -> {
                    assertThat(context).getBean(OutboundPropagation.class).isSameAs(own);
                    assertThat(context)
                            .getBean(GoContextWebClientCustomizer.class)
                            .isSameAs(ownCustomizer);
                    assertThat(context)
                            .getBean(GoContextHttpConnectorCustomizer.class)
                            .isSameAs(ownConnector);
                });
    }

    private static List<ExchangeFilterFunction> filtersOf(WebClient.Builder builder) {
        List<ExchangeFilterFunction> copy = new ArrayList<>();
        builder.filters(copy::addAll);
        return copy;
    }
}
