package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.SchedulerTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** How {@link RequestContextFactory} derives a request's scope: routes, streams, headers, listeners. */
class RequestContextFactoryTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final List<RequestScope> opened = new ArrayList<>();

    @AfterEach
    void endScopes() {
        opened.forEach(scope -> scope.ctx().cancel());
        Hooks.resetOnErrorDropped();
    }

    /** Headers by name, looked up without case, as adapters do. */
    private static Function<String, List<String>> headers(Map<String, List<String>> values) {
        return name -> values.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(List.of());
    }

    private RequestScope open(RequestContextFactory factory, String method, String path, Map<String, List<String>> h) {
        RequestScope scope = factory.open(method, path, headers(h));
        opened.add(scope);
        return scope;
    }

    private static Duration budget(RequestScope scope) {
        return Duration.between(Instant.now(), scope.ctx().deadline().orElseThrow());
    }

    @Test
    void theFirstMatchingRouteDecidesAndFallsBackToTheFactoryPerValue() {
        RequestContextFactory factory = RequestContextFactory.builder()
                .maxTimeout(Duration.ofSeconds(10))
                .defaultTimeout(Duration.ofSeconds(3))
                .route(RoutePolicy.path("/events/**")
                        .methods("GET")
                        .noDeadline()
                        .build())
                .route(RoutePolicy.path("/reports/*")
                        .defaultTimeout(Duration.ofSeconds(20))
                        .maxTimeout(Duration.ofMinutes(1))
                        .build())
                .route(RoutePolicy.path("/quick")
                        .maxTimeout(Duration.ofSeconds(1))
                        .build())
                .route(RoutePolicy.path("/**")
                        .defaultTimeout(Duration.ofSeconds(5))
                        .build())
                .build();

        RequestScope events = open(factory, "GET", "/events/orders", Map.of());
        assertThat(events.hasDeadline()).isFalse();
        assertThat(events.ctx().deadline()).isEmpty();
        assertThat(events.timeout()).isZero();
        assertThat(events.ctx().done().isDone()).isFalse();

        RequestScope postedEvents = open(factory, "POST", "/events/orders", Map.of());
        assertThat(postedEvents.hasDeadline())
                .as("the GET-only route does not apply; /** does")
                .isTrue();
        assertThat(postedEvents.timeout()).isEqualTo(Duration.ofSeconds(5));

        RequestScope report = open(factory, "GET", "/reports/2024", Map.of());
        assertThat(report.timeout()).isEqualTo(Duration.ofSeconds(20));
        RequestScope longReport = open(factory, "GET", "/reports/2024", Map.of("X-Request-Timeout", List.of("90000")));
        assertThat(longReport.timeout())
                .as("the route's max, above the factory's")
                .isEqualTo(Duration.ofMinutes(1));

        RequestScope quick = open(factory, "GET", "/quick", Map.of());
        assertThat(quick.timeout())
                .as("the factory's default, clamped to the route's max")
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(budget(quick)).isLessThanOrEqualTo(Duration.ofSeconds(1));

        RequestScope other = open(factory, "GET", "/other", Map.of("X-Request-Timeout", List.of("60000")));
        assertThat(other.timeout()).as("the factory's max").isEqualTo(Duration.ofSeconds(10));
        assertThat(other.method()).isEqualTo("GET");
        assertThat(other.path()).isEqualTo("/other");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "Accept  | text/event-stream",
                "Accept  | TEXT/Event-Stream;charset=utf-8",
                "Accept  | application/json, text/event-stream;q=0.9",
                "Upgrade | websocket",
                "upgrade | WebSocket",
                "Upgrade | h2c, websocket/13",
            })
    void streamsGetNoDeadlineUnlessTheSwitchSaysSo(String header, String value) {
        Map<String, List<String>> h = Map.of(header, List.of(value));
        RequestScope stream = open(RequestContextFactory.withDefaults(), "GET", "/s", h);
        assertThat(stream.hasDeadline()).isFalse();

        RequestContextFactory withDeadline = RequestContextFactory.builder()
                .streamingDeadline(true)
                .defaultTimeout(Duration.ofSeconds(2))
                .build();
        assertThat(withDeadline.streamingDeadline()).isTrue();
        RequestScope cut = open(withDeadline, "GET", "/s", h);
        assertThat(cut.hasDeadline()).isTrue();
        assertThat(cut.timeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"Accept | */*", "Accept | text/event-streams", "Accept | application/json", "Upgrade | h2c"})
    void otherRequestsAreNotStreams(String header, String value) {
        RequestScope scope = open(RequestContextFactory.withDefaults(), "GET", "/s", Map.of(header, List.of(value)));
        assertThat(scope.hasDeadline()).isTrue();
    }

    @Test
    void aMatchingRouteDecidesForStreamsToo() {
        RequestContextFactory factory = RequestContextFactory.builder()
                .route(RoutePolicy.path("/feed")
                        .maxTimeout(Duration.ofMinutes(10))
                        .build())
                .build();
        RequestScope feed = open(factory, "GET", "/feed", Map.of("Accept", List.of("text/event-stream")));
        assertThat(feed.hasDeadline()).isTrue();
        assertThat(feed.timeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aRouteWithoutDeadlineStillChecksTheTimeoutHeader() {
        RequestContextFactory factory = RequestContextFactory.builder()
                .route(RoutePolicy.path("/ws").noDeadline().build())
                .build();
        assertThat(open(factory, "GET", "/ws", Map.of("X-Request-Timeout", List.of("500")))
                        .hasDeadline())
                .isFalse();
        assertThatThrownBy(() -> factory.open("GET", "/ws", headers(Map.of("X-Request-Timeout", List.of("soon")))))
                .isInstanceOf(InvalidRequestHeaderException.class);
    }

    @Test
    void headerNamesCanBeConfigured() {
        RequestContextFactory factory = RequestContextFactory.builder()
                .timeoutHeader("X-Budget-Ms")
                .requestIdHeader("X-Correlation-ID")
                .build();
        assertThat(factory.timeoutHeader()).isEqualTo("X-Budget-Ms");
        assertThat(factory.requestIdHeader()).isEqualTo("X-Correlation-ID");
        RequestScope scope = open(
                factory,
                "GET",
                "/",
                Map.of(
                        "x-budget-ms", List.of("700"),
                        "X-Correlation-ID", List.of("corr-1"),
                        "X-Request-Timeout", List.of("not read"),
                        "X-Request-ID", List.of("not-read")));
        assertThat(scope.timeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(scope.requestId()).isEqualTo("corr-1");
        assertThatThrownBy(() -> factory.open("GET", "/", headers(Map.of("X-Budget-Ms", List.of("0")))))
                .hasMessage("X-Budget-Ms must be a positive integer number of milliseconds");

        assertThatThrownBy(() -> RequestContextFactory.builder().timeoutHeader("X Budget"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeoutHeader must be an HTTP token");
        assertThatThrownBy(() -> RequestContextFactory.builder().requestIdHeader(""))
                .hasMessageContaining("requestIdHeader must be an HTTP token");
        assertThatThrownBy(() -> RequestContextFactory.builder()
                        .timeoutHeader("X-Same")
                        .requestIdHeader("x-same")
                        .build())
                .hasMessage("timeoutHeader and requestIdHeader must differ: both are X-Same");
    }

    @ParameterizedTest
    @CsvSource({
        "1H, PT1H",
        "2M, PT2M",
        "5S, PT5S",
        "100m, PT0.1S",
        "1500u, PT0.0015S",
        "7n, PT0.000000007S",
        "99999999m, PT27H46M39.999S",
        "00000001S, PT1S"
    })
    void grpcTimeoutIsReadWhenEnabledAndTheTimeoutHeaderIsAbsent(String value, Duration expected) {
        RequestContextFactory factory = RequestContextFactory.builder()
                .grpcTimeout(true)
                .maxTimeout(Duration.ofDays(2))
                .build();
        assertThat(factory.grpcTimeout()).isTrue();
        assertThat(open(factory, "POST", "/", Map.of("grpc-timeout", List.of(value)))
                        .timeout())
                .isEqualTo(expected);
        assertThat(open(
                                factory,
                                "POST",
                                "/",
                                Map.of("grpc-timeout", List.of(value), "X-Request-Timeout", List.of("250")))
                        .timeout())
                .as("the timeout header comes first")
                .isEqualTo(Duration.ofMillis(250));
        assertThat(open(RequestContextFactory.withDefaults(), "POST", "/", Map.of("grpc-timeout", List.of(value)))
                        .timeout())
                .as("off by default")
                .isEqualTo(Duration.ofSeconds(30));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m", "5", "5s", "5h", "0m", "123456789m", "1.5S", "-1S", "+1S", "5 S", "1SS"})
    void aMalformedGrpcTimeoutIsABadRequest(String value) {
        RequestContextFactory factory =
                RequestContextFactory.builder().grpcTimeout(true).build();
        assertThatThrownBy(() -> factory.open("POST", "/", headers(Map.of("grpc-timeout", List.of(value)))))
                .isInstanceOf(InvalidRequestHeaderException.class)
                .hasMessage(
                        "grpc-timeout must be a positive amount of 1 to 8 digits followed by a unit: H, M, S, m, u or n");
        assertThatThrownBy(() -> factory.open("POST", "/", headers(Map.of("grpc-timeout", List.of("1S", "2S")))))
                .hasMessage("grpc-timeout must be given once");
    }

    @Test
    void aBadRequestCarriesTheRequestIdToEcho() {
        RequestContextFactory factory = RequestContextFactory.withDefaults();
        InvalidRequestHeaderException safe =
                (InvalidRequestHeaderException) org.assertj.core.api.Assertions.catchThrowable(() -> factory.open(
                        "GET",
                        "/",
                        headers(Map.of("X-Request-Timeout", List.of("x"), "X-Request-ID", List.of("abc-1")))));
        assertThat(safe.requestId()).contains("abc-1");
        InvalidRequestHeaderException unsafe =
                (InvalidRequestHeaderException) org.assertj.core.api.Assertions.catchThrowable(() -> factory.open(
                        "GET",
                        "/",
                        headers(Map.of("X-Request-Timeout", List.of("x"), "X-Request-ID", List.of("a b")))));
        assertThat(unsafe.requestId().orElseThrow()).matches("[0-9a-f]{32}");
    }

    @Test
    void theListOpenIsARequestWithoutMethodOrPathAndOnlyTheDefaults() {
        RequestContextFactory factory = RequestContextFactory.builder()
                .defaultTimeout(Duration.ofSeconds(4))
                .route(RoutePolicy.matching((method, path) -> true).noDeadline().build())
                .build();
        RequestScope scope = factory.open(List.of(), List.of("id-9"));
        opened.add(scope);
        assertThat(scope.method()).isEmpty();
        assertThat(scope.path()).isEmpty();
        assertThat(scope.hasDeadline()).isTrue();
        assertThat(scope.timeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(scope.requestId()).isEqualTo("id-9");
    }

    /** Records what listeners are told. */
    private static final class Recorder implements RequestListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void opened(RequestScope scope) {
            events.add("opened " + scope.path() + " " + scope.outcome().isPresent());
        }

        @Override
        public void ended(RequestScope scope, RequestOutcome outcome) {
            events.add("ended " + scope.path() + " " + outcome.tagValue() + " "
                    + scope.outcome().orElseThrow() + " done=" + (scope.ctx().err() != null));
        }
    }

    @Test
    void listenersAreToldOfEveryScopeOnceWithItsOutcome() {
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        CancellableContext server = Context.background().withCancel();
        RequestContextFactory factory = RequestContextFactory.builder()
                .parent(server)
                .listener(first)
                .listener(second)
                .build();
        assertThat(factory.listeners()).containsExactly(first, second);

        RequestScope completed = open(factory, "GET", "/completed", Map.of());
        StepVerifier.create(completed.serve(Mono.empty(), Mono::empty))
                .expectComplete()
                .verify(WAIT);
        assertThat(completed.outcome()).contains(RequestOutcome.COMPLETED);
        assertThat(completed.ctx().cause()).isSameAs(Context.CANCELED);

        RequestScope failed = open(factory, "GET", "/failed", Map.of());
        StepVerifier.create(failed.serve(Mono.error(new IllegalStateException("handler")), Mono::empty))
                .expectError(IllegalStateException.class)
                .verify(WAIT);

        RequestScope gone = open(factory, "GET", "/gone", Map.of());
        StepVerifier.create(gone.serve(Mono.never(), Mono::empty)).thenCancel().verify(WAIT);
        assertThat(gone.ctx().cause()).isInstanceOf(ClientDisconnectedException.class);

        RequestScope quietlyGone = open(factory, "GET", "/quietly-gone", Map.of());
        StepVerifier.create(quietlyGone.serve(Mono.empty(), Mono::empty, () -> true))
                .expectComplete()
                .verify(WAIT);
        assertThat(quietlyGone.ctx().cause()).isInstanceOf(ClientDisconnectedException.class);

        RequestScope shutdown = open(factory, "GET", "/shutdown", Map.of());
        StepVerifier.create(shutdown.serve(Mono.never(), Mono::empty))
                .then(server::cancel)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                .verify(WAIT);

        List<String> expected = List.of(
                "opened /completed false",
                "ended /completed completed COMPLETED done=true",
                "opened /failed false",
                "ended /failed completed COMPLETED done=true",
                "opened /gone false",
                "ended /gone client_disconnected CLIENT_DISCONNECTED done=true",
                "opened /quietly-gone false",
                "ended /quietly-gone client_disconnected CLIENT_DISCONNECTED done=true",
                "opened /shutdown false",
                "ended /shutdown canceled CANCELED done=true");
        assertThat(first.events).containsExactlyElementsOf(expected);
        assertThat(second.events).containsExactlyElementsOf(expected);
    }

    @Test
    void aDeadlinePassingFirstEndsTheScopeAsDeadlineExceeded() {
        Recorder recorder = new Recorder();
        List<RequestScope> scopes = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> {
                    RequestContextFactory factory = RequestContextFactory.builder()
                            .parent(Context.background().withTimeSource(SchedulerTimeSource.parallel()))
                            .defaultTimeout(Duration.ofSeconds(2))
                            .listener(recorder)
                            .build();
                    RequestScope scope = factory.open("GET", "/slow", headers(Map.of()));
                    scopes.add(scope);
                    return scope.serve(Mono.never(), () -> Mono.fromRunnable(() -> recorder.events.add("504")));
                })
                .thenAwait(Duration.ofMillis(1999))
                .then(() -> assertThat(scopes.get(0).outcome()).isEmpty())
                .thenAwait(Duration.ofMillis(1))
                .expectComplete()
                .verify(WAIT);
        assertThat(recorder.events)
                .containsExactly(
                        "opened /slow false", "504", "ended /slow deadline_exceeded DEADLINE_EXCEEDED done=true");
        assertThat(scopes.get(0).age()).isPositive();
        assertThat(scopes.get(0).startNanos()).isLessThanOrEqualTo(System.nanoTime());
    }

    @Test
    void aThrowingListenerDoesNotStopTheOthersNorTheScope() {
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        Hooks.onErrorDropped(dropped::add);
        Recorder recorder = new Recorder();
        RequestListener throwing = new RequestListener() {
            @Override
            public void opened(RequestScope scope) {
                throw new IllegalStateException("opened " + scope.path());
            }

            @Override
            public void ended(RequestScope scope, RequestOutcome outcome) {
                throw new IllegalStateException("ended " + outcome.tagValue());
            }
        };
        RequestContextFactory factory = RequestContextFactory.builder()
                .listener(throwing)
                .listener(recorder)
                .build();
        RequestScope scope = open(factory, "GET", "/x", Map.of());
        StepVerifier.create(scope.serve(Mono.empty(), Mono::empty))
                .expectComplete()
                .verify(WAIT);
        assertThat(scope.ctx().err()).isSameAs(Context.CANCELED);
        assertThat(recorder.events).containsExactly("opened /x false", "ended /x completed COMPLETED done=true");
        assertThat(dropped).extracting(Throwable::getMessage).containsExactly("opened /x", "ended completed");
    }

    @Test
    void outcomeTagValuesAreLowerCaseNames() {
        for (RequestOutcome outcome : RequestOutcome.values()) {
            assertThat(outcome.tagValue()).isEqualTo(outcome.name().toLowerCase(Locale.ROOT));
        }
        assertThat(RequestOutcome.CLIENT_DISCONNECTED.tagValue()).isEqualTo("client_disconnected");
    }

    @Test
    void toStringsSayWhatTheyAre() {
        RequestContextFactory factory = RequestContextFactory.builder()
                .route(RoutePolicy.path("/ws").noDeadline().build())
                .grpcTimeout(true)
                .build();
        assertThat(factory.toString())
                .contains("routes=[RoutePolicy[/ws, no deadline]]", "X-Request-Timeout/X-Request-ID/grpc-timeout");
        RequestScope scope = open(factory, "GET", "/ws", Map.of("X-Request-ID", List.of("r1")));
        assertThat(scope).hasToString("RequestScope[GET /ws, r1, no deadline]");
        StepVerifier.create(scope.serve(Mono.empty(), Mono::empty))
                .expectComplete()
                .verify(WAIT);
        assertThat(scope).hasToString("RequestScope[GET /ws, r1, no deadline, completed]");
    }
}
