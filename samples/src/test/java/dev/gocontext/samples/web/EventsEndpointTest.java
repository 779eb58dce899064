package dev.gocontext.samples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/**
 * {@code /events} on a real server whose default budget is 300 ms: the stream runs for longer
 * while {@code /work} still gets its 504, and a client that goes away ends it.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"gocontext.web.default-timeout=300ms", "logging.level.reactor.netty=WARN"})
class EventsEndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A budget far above the 300 ms default, for requests that are not about it (a loaded machine is slow). */
    private static final Map<String, String> GENEROUS = Map.of("X-Request-Timeout", "30000");

    @LocalServerPort
    int port;

    private WebClient client;
    private TestHttp http;

    @BeforeEach
    void clients() {
        client = WebClient.create("http://127.0.0.1:" + port);
        http = new TestHttp(port);
    }

    @Test
    void theStreamOutlivesTheDefaultTimeoutWhileWorkGets504() {
        List<ServerSentEvent<Map<String, Object>>> events = new ArrayList<>();
        // 6 events, one every 100 ms: twice the 300 ms default budget
        StepVerifier.create(client.get()
                        .uri("/events?n=6&everyMs=100")
                        .accept(MediaType.TEXT_EVENT_STREAM)
                        .retrieve()
                        .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {}))
                .recordWith(() -> events)
                .expectNextCount(6)
                .expectComplete()
                .verify(WAIT);

        assertThat(events).extracting(ServerSentEvent::id).containsExactly("1", "2", "3", "4", "5", "6");
        assertThat(events).allSatisfy(event -> {
            assertThat(event.event()).isEqualTo("tick");
            assertThat(event.data()).containsEntry("remainingMs", null);
        });
        assertThat(((Number) events.get(5).data().get("elapsedMs")).longValue()).isGreaterThanOrEqualTo(600);
        assertThat(events.stream().map(e -> e.data().get("requestId")).distinct())
                .hasSize(1);

        assertThat(http.get("/work?ms=5000").status()).isEqualTo(504);
    }

    @Test
    void theRouteHasNoDeadlineEvenWithoutAcceptingEventStreams() {
        TestHttp.Response response = http.get("/events?n=4&everyMs=100");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body().split("event:tick", -1)).hasSize(5);
    }

    @Test
    void badParametersAre400() {
        assertThat(http.get("/events?n=-1", GENEROUS).status()).isEqualTo(400);
        assertThat(http.get("/events?everyMs=0", GENEROUS).status()).isEqualTo(400);
        assertThat(http.get("/events?everyMs=soon", GENEROUS).body()).contains("everyMs");
    }

    @Test
    void aClientThatGoesAwayEndsTheStream() throws InterruptedException {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Disposable listening = client.get()
                .uri("/events?n=1000&everyMs=50")
                .header("X-Request-ID", "listener-1")
                .accept(MediaType.TEXT_EVENT_STREAM)
                .retrieve()
                .bodyToFlux(String.class)
                .subscribe(received::add);
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS))
                .as("first event")
                .isNotNull();
        assertThat(inFlightIds()).contains("listener-1");

        listening.dispose(); // the client goes away: the request ctx is canceled, the stream ends
        await().atMost(WAIT).untilAsserted(() -> assertThat(inFlightIds()).doesNotContain("listener-1"));
    }

    private List<String> inFlightIds() {
        JsonNode report = http.get("/actuator/gocontext", GENEROUS).json();
        List<String> ids = new ArrayList<>();
        report.get("requests")
                .forEach(request -> ids.add(request.get("requestId").asString()));
        return ids;
    }
}
