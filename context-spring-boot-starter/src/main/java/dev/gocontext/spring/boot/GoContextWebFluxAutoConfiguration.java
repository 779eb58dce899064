package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.web.GoContextWebFilter;
import dev.gocontext.reactor.web.RequestErrorResponder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.server.WebFilter;

/**
 * Every request of a WebFlux application under its own ctx: the {@link RequestContextFactory} of
 * {@code gocontext.web.*} (routes, budgets, header names; changed by {@link
 * RequestContextFactoryCustomizer} beans; every {@link RequestListener} bean is added to it), the
 * {@link RequestErrorResponder} for the filter's {@code 400} and {@code 504} (RFC 9457 problem
 * details when {@code spring.webflux.problemdetails.enabled=true}, else plain text), and the
 * {@link GoContextWebFilter} at {@code gocontext.web.filter-order}. Off with {@code
 * gocontext.web.enabled=false}.
 *
 * <pre>{@code
 * gocontext:
 *   web:
 *     default-timeout: 2s
 *     max-timeout: 10s
 *     routes:
 *       - path: /exports/**
 *         max-timeout: 5m
 * }</pre>
 */
@AutoConfiguration(after = GoContextAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({WebFilter.class, GoContextWebFilter.class})
@ConditionalOnBooleanProperty(name = "gocontext.web.enabled", matchIfMissing = true)
public final class GoContextWebFluxAutoConfiguration {
    /** Spring Boot's switch for RFC 9457 problem details in WebFlux. */
    static final String PROBLEM_DETAILS = "spring.webflux.problemdetails.enabled";

    GoContextWebFluxAutoConfiguration() {}

    @Bean
    @ConditionalOnMissingBean
    RequestContextFactory goContextRequestContextFactory(
            GoContextProperties properties,
            ObjectProvider<RequestListener> listeners,
            ObjectProvider<RequestContextFactoryCustomizer> customizers) {
        RequestContextFactory.Builder requests = ConfiguredRequests.builder(properties.getWeb());
        listeners.orderedStream().forEach(requests::listener);
        customizers.orderedStream().forEach(customizer -> customizer.customize(requests));
        return requests.build();
    }

    @Bean
    @ConditionalOnMissingBean
    RequestErrorResponder goContextRequestErrorResponder(
            Environment environment, ObjectProvider<ServerCodecConfigurer> codecs) {
        if (environment.getProperty(PROBLEM_DETAILS, Boolean.class, false)) {
            return new ProblemDetailResponder(codecs);
        }
        return RequestErrorResponder.plainText();
    }

    @Bean
    @ConditionalOnMissingBean
    GoContextWebFilter goContextWebFilter(
            RequestContextFactory requests, RequestErrorResponder responder, GoContextProperties properties) {
        return new GoContextWebFilter(requests, responder, properties.getWeb().getFilterOrder());
    }
}
