package dev.gocontext.spring.boot;

import dev.gocontext.reactor.web.GoContextWebFilter;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;

/**
 * The {@code gocontext.outcome} key on server and WebClient request observations ({@link
 * GoContextObservationFilter}), when Boot's Micrometer Observation support is configured (an
 * {@code ObservationRegistry} bean exists): Boot adds every {@code ObservationFilter} bean to the
 * registry.
 *
 * <pre>{@code
 * curl -s localhost:8080/actuator/prometheus | grep 'gocontext_outcome="deadline_exceeded"'
 * }</pre>
 */
@AutoConfiguration(after = ObservationAutoConfiguration.class)
@ConditionalOnClass({
    ObservationRegistry.class,
    ObservationAutoConfiguration.class,
    ServerRequestObservationContext.class,
    ClientRequestObservationContext.class,
    GoContextWebFilter.class
})
@ConditionalOnBean(ObservationRegistry.class)
public final class GoContextObservationAutoConfiguration {
    GoContextObservationAutoConfiguration() {}

    @Bean
    @ConditionalOnMissingBean
    GoContextObservationFilter goContextObservationFilter() {
        return new GoContextObservationFilter();
    }

    /** Records each WebClient call's ctx in its observation, for the client side of the key. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(WebClientCustomizer.class)
    static final class WebClientConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "goContextObservedCalls")
        WebClientCustomizer goContextObservedCalls() {
            return builder -> builder.filters(filters -> {
                if (filters.stream().noneMatch(CallContextRecorder.class::isInstance)) {
                    filters.add(new CallContextRecorder());
                }
            });
        }
    }
}
