package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.GoContextMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@link GoContextMetrics} in the application's registry, with and without Boot's metrics. */
class GoContextMetricsAutoConfigurationTest {
    private final ApplicationContextRunner withoutRegistry = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(GoContextAutoConfiguration.class, GoContextMetricsAutoConfiguration.class));

    private final ApplicationContextRunner withRegistry = withoutRegistry.withConfiguration(AutoConfigurations.of(
            MetricsAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class,
            SimpleMetricsExportAutoConfiguration.class));

    @Test
    void theMetersAreInTheApplicationsRegistry() {
        withRegistry.run(context -> {
            assertThat(context).hasSingleBean(GoContextMetrics.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.find("gocontext.contexts.created").functionCounter())
                    .isNotNull();
            assertThat(registry.find("gocontext.subscriptions.active").gauge()).isNotNull();
        });
    }

    @Test
    void withoutARegistryThereAreNoMeters() {
        withoutRegistry.run(context -> assertThat(context).doesNotHaveBean(GoContextMetrics.class));
    }

    @Test
    void withoutBootsMetricsOnTheClassPathThereAreNoMeters() {
        withoutRegistry
                .withClassLoader(new FilteredClassLoader(MetricsAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(GoContextMetrics.class));
    }

    @Test
    void theApplicationsOwnBinderWins() {
        GoContextMetrics own = new GoContextMetrics(Tags.of("service", "orders"));
        withRegistry.withBean("ownMetrics", GoContextMetrics.class, () -> own).run(context -> {
            assertThat(context).getBean(GoContextMetrics.class).isSameAs(own);
            assertThat(context.getBean(MeterRegistry.class)
                            .find("gocontext.contexts.created")
                            .tag("service", "orders")
                            .functionCounter())
                    .isNotNull();
        });
    }
}
