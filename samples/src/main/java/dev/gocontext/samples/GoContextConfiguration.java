package dev.gocontext.samples;

import dev.gocontext.reactor.GoContextMetrics;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.web.GoContextWebFilter;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * gocontext in the service: every request runs under a request ctx ({@link GoContextWebFilter}),
 * and the {@code gocontext.*} meters are in the registry.
 */
@Configuration(proxyBeanMethods = false)
public class GoContextConfiguration {
    /** The longest budget a request gets, whatever its {@code X-Request-Timeout} says. */
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

    /** The budget of a request without {@code X-Request-Timeout}. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Creates each request's ctx from {@code X-Request-Timeout} and {@code X-Request-ID}: {@code
     * 400} on a malformed header, {@code 504} at the deadline, canceled when the client goes away.
     */
    @Bean
    GoContextWebFilter goContextWebFilter() {
        return new GoContextWebFilter(RequestContextFactory.builder()
                .maxTimeout(MAX_TIMEOUT)
                .defaultTimeout(DEFAULT_TIMEOUT)
                .build());
    }

    /** The {@code gocontext.*} meters; Boot binds every {@code MeterBinder} bean to its registry. */
    @Bean
    GoContextMetrics goContextMetrics() {
        return new GoContextMetrics();
    }
}
