package dev.gocontext.spring.boot;

import dev.gocontext.reactor.GoContextMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The {@code gocontext.*} meters ({@link GoContextMetrics}) in the application's {@code
 * MeterRegistry}: Boot binds every {@code MeterBinder} bean to it. Applies when Boot's Micrometer
 * metrics are configured (a {@code MeterRegistry} bean exists).
 *
 * <pre>{@code
 * curl -s localhost:8080/actuator/prometheus | grep ^gocontext_
 * }</pre>
 */
@AutoConfiguration(
        after = {MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class},
        afterName =
                "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration")
@ConditionalOnClass({MeterRegistry.class, MetricsAutoConfiguration.class})
@ConditionalOnBean(MeterRegistry.class)
public final class GoContextMetricsAutoConfiguration {
    GoContextMetricsAutoConfiguration() {}

    @Bean
    @ConditionalOnMissingBean
    GoContextMetrics goContextMetrics() {
        return new GoContextMetrics();
    }
}
