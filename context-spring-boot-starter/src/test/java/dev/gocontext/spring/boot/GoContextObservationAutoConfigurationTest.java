package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import java.util.HashMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;

/** The {@code gocontext.outcome} filter: when it is registered, and what it says without a ctx. */
class GoContextObservationAutoConfigurationTest {
    private final ApplicationContextRunner withoutRegistry = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    GoContextAutoConfiguration.class, GoContextObservationAutoConfiguration.class));

    private final ApplicationContextRunner runner =
            withoutRegistry.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class));

    @Test
    void withObservationsTheFilterIsInTheRegistry() {
        runner.withBean(ObservationsSeen.class).run(context -> {
            assertThat(context).hasSingleBean(GoContextObservationFilter.class);
            ServerRequestObservationContext server = serverContext();
            Observation.createNotStarted(
                            "http.server.requests", () -> server, context.getBean(ObservationRegistry.class))
                    .start()
                    .stop();
            assertThat(server.getLowCardinalityKeyValue(GoContextObservationFilter.OUTCOME))
                    .isNotNull();
        });
    }

    @Test
    void withoutARegistryThereIsNoFilter() {
        withoutRegistry.run(context -> assertThat(context).doesNotHaveBean(GoContextObservationFilter.class));
    }

    @Test
    void withoutBootsObservationSupportThereIsNoFilter() {
        withoutRegistry
                .withClassLoader(new FilteredClassLoader(ObservationAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(GoContextObservationFilter.class);
                });
    }

    @Test
    void theApplicationsOwnFilterWins() {
        GoContextObservationFilter own = new GoContextObservationFilter();
        runner.withBean(GoContextObservationFilter.class, () -> own)
                .run(context -> assertThat(context)
                        .getBean(GoContextObservationFilter.class)
                        .isSameAs(own));
    }

    @Test
    void aServerRequestWithoutScopeCompletedOrWasAborted() {
        ServerRequestObservationContext server = serverContext();
        assertThat(outcome(server)).isEqualTo("completed");
        server.setConnectionAborted(true);
        assertThat(outcome(server)).isEqualTo("client_disconnected");
    }

    @Test
    void aClientCallWithoutCtxCompleted() {
        ClientRequestObservationContext client =
                new ClientRequestObservationContext(ClientRequest.create(HttpMethod.GET, URI.create("http://a/")));
        assertThat(outcome(client)).isEqualTo("completed");
    }

    private static ServerRequestObservationContext serverContext() {
        return new ServerRequestObservationContext(
                MockServerHttpRequest.get("/x").build(), new MockServerHttpResponse(), new HashMap<>());
    }

    private static String outcome(Observation.Context context) {
        return new GoContextObservationFilter()
                .map(context)
                .getLowCardinalityKeyValue(GoContextObservationFilter.OUTCOME)
                .getValue();
    }
}
