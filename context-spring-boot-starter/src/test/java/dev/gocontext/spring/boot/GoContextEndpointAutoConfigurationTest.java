package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.LeakDetection;
import dev.gocontext.reactor.GoContext;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The {@code gocontext} endpoint: when it exists, and what it counts. */
class GoContextEndpointAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    GoContextAutoConfiguration.class,
                    GoContextEndpointAutoConfiguration.class,
                    EndpointAutoConfiguration.class));

    private final ApplicationContextRunner exposed =
            runner.withPropertyValues("management.endpoints.web.exposure.include=gocontext");

    @Test
    void theEndpointExistsWhenExposed() {
        exposed.run(context -> assertThat(context).hasSingleBean(GoContextEndpoint.class));
    }

    @Test
    void theEndpointDoesNotExistWhenNotExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(GoContextEndpoint.class));
    }

    @Test
    void theEndpointDoesNotExistWhenDisabled() {
        exposed.withPropertyValues("management.endpoint.gocontext.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(GoContextEndpoint.class));
    }

    @Test
    void withoutTheActuatorThereIsNoEndpoint() {
        exposed.withClassLoader(new FilteredClassLoader(Endpoint.class)).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(GoContextEndpoint.class);
        });
    }

    @Test
    void theApplicationsOwnEndpointWins() {
        GoContextEndpoint own = new GoContextEndpoint(null);
        exposed.withBean(GoContextEndpoint.class, () -> own)
                .run(context ->
                        assertThat(context).getBean(GoContextEndpoint.class).isSameAs(own));
    }

    @Test
    void statsCountContextsAndBoundSubscriptions() {
        exposed.run(context -> {
            GoContextEndpoint endpoint = context.getBean(GoContextEndpoint.class);
            GoContextEndpoint.Report before = endpoint.report();

            CancellableContext ctx = Context.background().withCancel();
            GoContextEndpoint.Report open = endpoint.report();
            assertThat(open.stats().created()).isGreaterThan(before.stats().created());

            StepVerifier.create(GoContext.deadlineOf(Mono.never()).contextWrite(GoContext.with(ctx)))
                    .expectSubscription()
                    .then(() -> assertThat(
                                    endpoint.report().stats().subscriptions().active())
                            .isGreaterThan(0))
                    .then(ctx::cancel)
                    .expectError()
                    .verify(Duration.ofSeconds(10));
            GoContextEndpoint.Report after = endpoint.report();
            assertThat(after.stats().canceled()).isGreaterThan(before.stats().canceled());
            assertThat(after.stats().subscriptions().canceled())
                    .isGreaterThan(before.stats().subscriptions().canceled());
        });
    }

    @Test
    void leaksShowTheLevelAndTheCount() {
        LeakDetection.Level previous = LeakDetection.level();
        try {
            exposed.withPropertyValues("gocontext.leak-detection=all").run(context -> {
                GoContextEndpoint.Leaks leaks =
                        context.getBean(GoContextEndpoint.class).report().leaks();
                assertThat(leaks.level()).isEqualTo("all");
                assertThat(leaks.detected()).isGreaterThanOrEqualTo(0);
            });
        } finally {
            LeakDetection.setLevel(previous);
        }
    }
}
