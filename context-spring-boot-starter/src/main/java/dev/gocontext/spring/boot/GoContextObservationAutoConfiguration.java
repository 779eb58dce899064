package dev.gocontext.spring.boot;

import dev.gocontext.reactor.web.GoContextWebFilter;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.context.annotation.Bean;
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
}
