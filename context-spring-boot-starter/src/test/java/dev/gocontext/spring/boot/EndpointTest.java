package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.Context;
import dev.gocontext.Key;
import dev.gocontext.LeakDetection;
import dev.gocontext.reactor.http.RequestOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code /actuator/gocontext} over HTTP: a request is listed while it is in flight, and not after. */
@StarterServerTest
class EndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** The held request's budget: long enough never to run out while the test looks at it, even on a loaded runner. */
    private static final long HELD_BUDGET_MS = 60_000;

    @LocalServerPort
    int port;

    @Autowired
    Scopes scopes;

    private WebClient client;

    @BeforeEach
    void reset() {
        client = WebClient.create("http://127.0.0.1:" + port);
        scopes.clear();
        TestApplication.resetHold();
    }

    @Test
    void aRequestIsListedWhileInFlightAndNotAfter() throws Exception {
        Mono<String> held = client.get()
                .uri("/hold")
                .header("X-Request-ID", "held-1")
                .header("X-Request-Timeout", String.valueOf(HELD_BUDGET_MS))
                .retrieve()
                .bodyToMono(String.class)
                .cache();
        held.subscribe(body -> {}, error -> {});
        Mono<String> open = client.get()
                .uri("/open/hold")
                .header("X-Request-ID", "open-1")
                .retrieve()
                .bodyToMono(String.class)
                .cache();
        open.subscribe(body -> {}, error -> {});
        assertThat(TestApplication.HELD.poll(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(TestApplication.HELD.poll(10, TimeUnit.SECONDS)).isNotNull();

        JsonNode during = report();
        JsonNode withDeadline = request(during, "held-1");
        assertThat(withDeadline.get("method").asString()).isEqualTo("GET");
        assertThat(withDeadline.get("path").asString()).isEqualTo("/hold");
        assertThat(withDeadline.get("ageMs").asLong()).isBetween(0L, HELD_BUDGET_MS);
        assertThat(withDeadline.get("remainingMs").asLong()).isBetween(0L, HELD_BUDGET_MS);
        JsonNode withoutDeadline = request(during, "open-1");
        assertThat(withoutDeadline.get("path").asString()).isEqualTo("/open/hold");
        assertThat(withoutDeadline.has("remainingMs")).isTrue();
        assertThat(withoutDeadline.get("remainingMs").isNull()).isTrue();
        assertThat(during.get("stats").get("requestsInFlight").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(during.get("stats").get("subscriptions").get("active").asLong())
                .isGreaterThanOrEqualTo(2);
        assertThat(during.get("leaks").get("level").asString()).isNotBlank();

        TestApplication.release.tryEmitEmpty();
        assertThat(held.block(WAIT)).isEqualTo("released");
        assertThat(open.block(WAIT)).isEqualTo("released");
        assertThat(scopes.awaitEnd("held-1", "/hold")).isEqualTo(RequestOutcome.COMPLETED);
        assertThat(scopes.awaitEnd("open-1", "/open/hold")).isEqualTo(RequestOutcome.COMPLETED);

        JsonNode after = report();
        for (JsonNode request : after.get("requests")) {
            assertThat(request.get("requestId").asString()).isNotIn("held-1", "open-1");
        }
    }

    @Test
    void requestsAreListedOldestFirst() throws Exception {
        for (String id : new String[] {"first", "second", "third"}) {
            client.get()
                    .uri("/open/hold")
                    .header("X-Request-ID", id)
                    .retrieve()
                    .bodyToMono(String.class)
                    .subscribe(body -> {}, error -> {});
            assertThat(TestApplication.HELD.poll(10, TimeUnit.SECONDS)).isEqualTo(id);
        }

        JsonNode requests = report().get("requests");
        List<String> ids = new ArrayList<>();
        requests.forEach(r -> ids.add(r.get("requestId").asString()));
        assertThat(ids).containsSubsequence("first", "second", "third");
        TestApplication.release.tryEmitEmpty();
        for (String id : new String[] {"first", "second", "third"}) {
            scopes.awaitEnd(id, "/open/hold");
        }
    }

    /** A context leaked at the paranoid level is listed: its name, age and where it was created. */
    @Test
    void aRecentLeakIsListedWithItsCreationSite() {
        LeakDetection.Level previous = LeakDetection.level();
        try {
            LeakDetection.setLevel(LeakDetection.Level.PARANOID);
            leakOne();
            await().atMost(WAIT).until(() -> {
                System.gc(); // the leak is found when its handle is collected
                return LeakDetection.recentLeaks().stream()
                        .anyMatch(l -> l.context().contains(LEAKED));
            });
        } finally {
            LeakDetection.setLevel(previous);
        }

        JsonNode leaks = report().get("leaks");
        assertThat(leaks.get("detected").asLong()).isPositive();
        JsonNode leak = null;
        for (JsonNode recent : leaks.get("recent")) {
            if (recent.get("context").asString().contains(LEAKED)) {
                leak = recent;
            }
        }
        assertThat(leak).as("listed in %s", leaks).isNotNull();
        assertThat(leak.get("context").asString())
                .isEqualTo("context.Background.WithValue(leak, " + LEAKED + ").WithCancel");
        assertThat(leak.get("ageMs").asLong()).isNotNegative();
        assertThat(Instant.parse(leak.get("detected").asString())).isBeforeOrEqualTo(Instant.now());
        JsonNode site = leak.get("creationSite");
        assertThat(site.size()).isBetween(1, GoContextEndpoint.CREATION_FRAMES);
        assertThat(site.get(0).asString()).contains(EndpointTest.class.getName() + ".leakOne(");
    }

    private static final String LEAKED = "endpoint-test";

    private static void leakOne() {
        Context.background().withValue(Key.of("leak"), LEAKED).withCancel(); // dropped without cancel
    }

    private JsonNode report() {
        String json = client.get()
                .uri("/actuator/gocontext")
                .retrieve()
                .bodyToMono(String.class)
                .block(WAIT);
        return JsonMapper.builder().build().readTree(json);
    }

    private static JsonNode request(JsonNode report, String requestId) {
        for (JsonNode request : report.get("requests")) {
            if (request.get("requestId").asString().equals(requestId)) {
                return request;
            }
        }
        throw new AssertionError(requestId + " not listed in " + report);
    }
}
