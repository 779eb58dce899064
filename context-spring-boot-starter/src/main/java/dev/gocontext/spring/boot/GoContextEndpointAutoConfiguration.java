package dev.gocontext.spring.boot;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The actuator endpoint {@code gocontext} ({@link GoContextEndpoint}), when Boot's actuator is on
 * the class path and the endpoint is available (enabled and exposed).
 *
 * <pre>{@code
 * management.endpoints.web.exposure.include=health,gocontext
 * }</pre>
 */
@AutoConfiguration(after = GoContextAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnAvailableEndpoint(GoContextEndpoint.class)
public final class GoContextEndpointAutoConfiguration {
    GoContextEndpointAutoConfiguration() {}

    @Bean
    @ConditionalOnMissingBean
    GoContextEndpoint goContextEndpoint() {
        return new GoContextEndpoint();
    }
}
