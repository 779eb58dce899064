package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.http.RequestScope;
import dev.gocontext.reactor.http.RoutePolicy;
import dev.gocontext.reactor.web.GoContextWebFilter;
import dev.gocontext.reactor.web.RequestErrorResponder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.core.Ordered;
import org.springframework.web.server.WebFilter;

/** The request-ctx filter, its factory and its responder: conditions and every property. */
class GoContextWebFluxAutoConfigurationTest {
    private static final AutoConfigurations STARTER =
            AutoConfigurations.of(GoContextAutoConfiguration.class, GoContextWebFluxAutoConfiguration.class);

    private final ReactiveWebApplicationContextRunner runner =
            new ReactiveWebApplicationContextRunner().withConfiguration(STARTER);

    @Test
    void aReactiveWebApplicationGetsTheFilterWithTheDefaults() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(GoContextWebFilter.class);
            assertThat(context.getBean(GoContextWebFilter.class).getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
            RequestContextFactory requests = context.getBean(RequestContextFactory.class);
            assertThat(requests.defaultTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(requests.maxTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(requests.routes()).isEmpty();
            assertThat(requests.streamingDeadline()).isFalse();
            assertThat(requests.grpcTimeout()).isFalse();
            assertThat(requests.timeoutHeader()).isEqualTo("X-Request-Timeout");
            assertThat(requests.requestIdHeader()).isEqualTo("X-Request-ID");
            assertThat(context.getBean(RequestErrorResponder.class)).isNotInstanceOf(ProblemDetailResponder.class);
        });
    }

    @Test
    void aNonWebApplicationGetsNoFilter() {
        new ApplicationContextRunner()
                .withConfiguration(STARTER)
                .run(context -> assertThat(context).doesNotHaveBean(GoContextWebFilter.class));
    }

    @Test
    void withoutWebFluxOnTheClassPathThereIsNoFilter() {
        new ApplicationContextRunner()
                .withConfiguration(STARTER)
                .withClassLoader(new FilteredClassLoader(WebFilter.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(GoContextWebFilter.class);
                });
    }

    @Test
    void disabledThereIsNoFilter() {
        runner.withPropertyValues("gocontext.web.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(GoContextWebFilter.class);
            assertThat(context).doesNotHaveBean(RequestContextFactory.class);
        });
    }

    @Test
    void everyWebPropertyReachesTheFactoryAndTheFilter() {
        runner.withPropertyValues(
                        "gocontext.web.default-timeout=2s",
                        "gocontext.web.max-timeout=10s",
                        "gocontext.web.streaming-deadline=true",
                        "gocontext.web.grpc-timeout=true",
                        "gocontext.web.timeout-header=X-Budget-Ms",
                        "gocontext.web.request-id-header=X-Correlation-ID",
                        "gocontext.web.filter-order=-100",
                        "gocontext.web.routes[0].path=/orders/{id}",
                        "gocontext.web.routes[0].methods=get,Post",
                        "gocontext.web.routes[0].default-timeout=1s",
                        "gocontext.web.routes[0].max-timeout=5s",
                        "gocontext.web.routes[1].path=/events/**",
                        "gocontext.web.routes[1].deadline=false")
                .run(context -> {
                    RequestContextFactory requests = context.getBean(RequestContextFactory.class);
                    assertThat(requests.defaultTimeout()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(requests.maxTimeout()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(requests.streamingDeadline()).isTrue();
                    assertThat(requests.grpcTimeout()).isTrue();
                    assertThat(requests.timeoutHeader()).isEqualTo("X-Budget-Ms");
                    assertThat(requests.requestIdHeader()).isEqualTo("X-Correlation-ID");
                    assertThat(context.getBean(GoContextWebFilter.class).getOrder())
                            .isEqualTo(-100);

                    RoutePolicy orders = requests.routes().get(0);
                    assertThat(orders.matcher().matches("GET", "/orders/42")).isTrue();
                    assertThat(orders.matcher().matches("GET", "/orders/42/items"))
                            .isFalse();
                    assertThat(orders.matcher().matches("GET", "/orders")).isFalse();
                    assertThat(orders.methods()).containsExactlyInAnyOrder("GET", "POST");
                    assertThat(orders.defaultTimeout()).contains(Duration.ofSeconds(1));
                    assertThat(orders.maxTimeout()).contains(Duration.ofSeconds(5));
                    assertThat(orders.deadline()).isTrue();

                    RoutePolicy events = requests.routes().get(1);
                    assertThat(events.matcher().matches("GET", "/events")).isTrue();
                    assertThat(events.matcher().matches("GET", "/events/a/b")).isTrue();
                    assertThat(events.methods()).isEmpty();
                    assertThat(events.deadline()).isFalse();
                });
    }

    @Test
    void aMaxBelowThirtySecondsAlsoBoundsTheUnsetDefault() {
        runner.withPropertyValues(
                        "gocontext.web.max-timeout=5s",
                        "gocontext.web.routes[0].path=/a",
                        "gocontext.web.routes[0].max-timeout=1s")
                .run(context -> {
                    RequestContextFactory requests = context.getBean(RequestContextFactory.class);
                    assertThat(requests.defaultTimeout()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(requests.routes().get(0).defaultTimeout()).contains(Duration.ofSeconds(1));
                });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "gocontext.web.max-timeout|-1s|gocontext.web.max-timeout",
                "gocontext.web.max-timeout|0s|gocontext.web.max-timeout",
                "gocontext.web.default-timeout|-5s|gocontext.web.default-timeout",
                "gocontext.web.default-timeout|40s|gocontext.web.default-timeout",
                "gocontext.web.default-timeout|soon|gocontext.web.default-timeout",
                "gocontext.web.timeout-header|X Budget|gocontext.web.timeout-header",
                "gocontext.web.request-id-header|x-request-timeout|gocontext.web.request-id-header",
                "gocontext.web.filter-order|first|gocontext.web.filter-order",
                "gocontext.web.streaming-deadline|maybe|gocontext.web.streaming-deadline",
                "gocontext.web.routes[0].path|/a/{x|gocontext.web.routes[0].path",
                "gocontext.web.routes[0].default-timeout|-1s|gocontext.web.routes[0].default-timeout",
                "gocontext.web.routes[0].max-timeout|0ms|gocontext.web.routes[0].max-timeout",
                "gocontext.web.routes[0].default-timeout|31s|gocontext.web.routes[0].default-timeout",
                "gocontext.web.routes[0].methods|GE T|gocontext.web.routes[0].methods[0]",
                "gocontext.web.routes[0].deadline|sometimes|gocontext.web.routes[0].deadline"
            })
    void aBadValueFailsAtStartupNamingTheProperty(String property, String value, String named) {
        runner.withPropertyValues("gocontext.web.routes[0].path=/a", property + "=" + value)
                .run(context -> Failures.assertStartupFailure(context, named));
    }

    @Test
    void aRouteWithoutPathFailsNamingIt() {
        runner.withPropertyValues("gocontext.web.routes[0].max-timeout=1s")
                .run(context -> Failures.assertStartupFailure(context, "gocontext.web.routes[0].path", "required"));
    }

    @Test
    void aRouteWithoutDeadlineTakesNoTimeouts() {
        runner.withPropertyValues(
                        "gocontext.web.routes[0].path=/a",
                        "gocontext.web.routes[0].deadline=false",
                        "gocontext.web.routes[0].max-timeout=1s")
                .run(context -> Failures.assertStartupFailure(context, "gocontext.web.routes[0].deadline"));
    }

    @Test
    void aRouteDefaultAboveItsOwnMaxFailsNamingBoth() {
        runner.withPropertyValues(
                        "gocontext.web.routes[0].path=/a",
                        "gocontext.web.routes[0].default-timeout=3s",
                        "gocontext.web.routes[0].max-timeout=2s")
                .run(context -> Failures.assertStartupFailure(
                        context, "gocontext.web.routes[0].default-timeout", "gocontext.web.routes[0].max-timeout"));
    }

    @Test
    void aMaxBelowTheDefaultFailsNamingBoth() {
        runner.withPropertyValues("gocontext.web.default-timeout=20s", "gocontext.web.max-timeout=10s")
                .run(context -> Failures.assertStartupFailure(
                        context, "gocontext.web.default-timeout", "gocontext.web.max-timeout"));
    }

    @Test
    void listenerBeansAndCustomizersShapeTheFactory() {
        List<String> seen = new CopyOnWriteArrayList<>();
        RequestListener listener = new RequestListener() {
            @Override
            public void opened(RequestScope scope) {
                seen.add("opened " + scope.path());
            }
        };
        RequestContextFactoryCustomizer customizer =
                requests -> requests.route(RoutePolicy.matching((method, path) -> path.startsWith("/upload/"))
                        .noDeadline()
                        .build());
        runner.withBean(RequestListener.class, () -> listener)
                .withBean(RequestContextFactoryCustomizer.class, () -> customizer)
                .withPropertyValues("gocontext.web.routes[0].path=/a")
                .run(context -> {
                    RequestContextFactory requests = context.getBean(RequestContextFactory.class);
                    assertThat(requests.routes()).hasSize(2);
                    RequestScope scope = requests.open("PUT", "/upload/1", name -> List.of());
                    assertThat(scope.hasDeadline()).isFalse();
                    scope.ctx().cancel();
                    assertThat(seen).containsExactly("opened /upload/1");
                });
    }

    @Test
    void withProblemDetailsEnabledTheResponderWritesProblems() {
        runner.withPropertyValues("spring.webflux.problemdetails.enabled=true")
                .run(context -> assertThat(context.getBean(RequestErrorResponder.class))
                        .isInstanceOf(ProblemDetailResponder.class));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        RequestContextFactory requests = RequestContextFactory.builder()
                .maxTimeout(Duration.ofSeconds(3))
                .build();
        RequestErrorResponder responder = RequestErrorResponder.plainText();
        runner.withBean(RequestContextFactory.class, () -> requests)
                .withBean(RequestErrorResponder.class, () -> responder)
                .run(context -> {
                    assertThat(context).getBean(RequestContextFactory.class).isSameAs(requests);
                    assertThat(context).getBean(RequestErrorResponder.class).isSameAs(responder);
                });
        GoContextWebFilter filter = new GoContextWebFilter(requests);
        runner.withBean(GoContextWebFilter.class, () -> filter)
                .run(context ->
                        assertThat(context).getBean(GoContextWebFilter.class).isSameAs(filter));
    }
}
