package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.RequestOutcome;
import java.time.Duration;
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
                .header("X-Request-Timeout", "2500")
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
        assertThat(withDeadline.get("ageMs").asLong()).isBetween(0L, 2500L);
        assertThat(withDeadline.get("remainingMs").asLong()).isBetween(0L, 2500L);
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
