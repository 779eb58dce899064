package dev.gocontext.spring.boot;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The actuator endpoint {@code gocontext} ({@link GoContextEndpoint}) and the {@link
 * InFlightRequests} it lists, when Boot's actuator is on the class path and the endpoint is
 * available (enabled and exposed): an application that does not expose it pays nothing for it.
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
    GoContextEndpoint goContextEndpoint(ObjectProvider<InFlightRequests> inFlight) {
        return new GoContextEndpoint(inFlight.getIfUnique());
    }

    /** Keeps the requests in flight for the endpoint; the WebFlux factory adds it as a listener. */
    @Bean
    @ConditionalOnMissingBean
    InFlightRequests goContextInFlightRequests() {
        return new InFlightRequests();
    }
}
