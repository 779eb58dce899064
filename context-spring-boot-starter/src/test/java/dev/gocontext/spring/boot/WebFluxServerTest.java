package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The starter's request contexts on a real server: budgets by route (a path pattern, methods, no
 * deadline), Server-Sent Events and WebSocket streams beyond the default timeout, the plain-text
 * 400 and 504 with the request id, propagation through Boot's WebClient to allowed hosts only.
 */
@StarterServerTest
class WebFluxServerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    private WebClient client;

    @BeforeEach
    void client() {
        client = WebClient.create("http://127.0.0.1:" + port);
    }

    @Test
    void theDefaultBudgetEndsSlowWorkWith504() {
        ResponseEntity<String> response = get("/work?ms=10000", Map.of("X-Request-ID", "slow-1"));

        assertThat(response.getStatusCode().value()).isEqualTo(504);
        assertThat(response.getHeaders().getFirst("X-Request-ID")).isEqualTo("slow-1");
        assertThat(response.getHeaders().getContentType()).isNotNull();
        assertThat(response.getHeaders().getContentType().isCompatibleWith(MediaType.TEXT_PLAIN))
                .isTrue();
    }

    @Test
    void aRouteWithItsOwnDefaultBudgetOutlivesTheDefault() {
        ResponseEntity<String> response = get("/reports/work?ms=600", Map.of());

        assertThat(response.getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void aRouteWithoutDeadlineOutlivesTheDefaultAndHasNoBudget() {
        ResponseEntity<String> response = get("/open/work?ms=600", Map.of());

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getBody()).contains("\"remainingMs\":-1");
    }

    @Test
    void aRouteForOneMethodLeavesTheOthersToTheDefault() {
        ResponseEntity<String> post = exchange(HttpMethod.POST, "/posts/work?ms=600", Map.of());
        ResponseEntity<String> get = get("/posts/work?ms=5000", Map.of());

        assertThat(post.getStatusCode().value()).isEqualTo(200);
        assertThat(get.getStatusCode().value()).isEqualTo(504);
    }

    @Test
    void aMalformedBudgetIs400WithTheRequestId() {
        ResponseEntity<String> response =
                get("/work?ms=1", Map.of("X-Request-Timeout", "soon", "X-Request-ID", "bad-1"));

        assertThat(response.getStatusCode().value()).isEqualTo(400);
        assertThat(response.getHeaders().getFirst("X-Request-ID")).isEqualTo("bad-1");
        assertThat(response.getBody()).contains("X-Request-Timeout");
    }

    @Test
    void serverSentEventsStreamBeyondTheDefaultTimeout() {
        // 6 events, one every 150 ms: 900 ms, three times the 300 ms default budget
        StepVerifier.create(client.get()
                        .uri("/events?n=6")
                        .accept(MediaType.TEXT_EVENT_STREAM)
                        .retrieve()
                        .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
                        .map(ServerSentEvent::data))
                .expectNext("event 1", "event 2", "event 3", "event 4", "event 5", "event 6")
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aWebSocketStreamsBeyondTheDefaultTimeout() {
        List<String> received = new CopyOnWriteArrayList<>();
        Mono<Void> session = new ReactorNettyWebSocketClient()
                .execute(
                        URI.create("ws://127.0.0.1:" + port + "/ws/ticks?n=6"),
                        ws -> ws.receive()
                                .map(WebSocketMessage::getPayloadAsText)
                                .doOnNext(received::add)
                                .then());

        StepVerifier.create(session).expectComplete().verify(WAIT);
        assertThat(received).containsExactly("tick 1", "tick 2", "tick 3", "tick 4", "tick 5", "tick 6");
    }

    @Test
    void bootsWebClientSendsTheBudgetAndIdToAllowedHostsOnly() {
        Map<String, String> headers = Map.of("X-Request-ID", "chain-1", "X-Request-Timeout", "20000");
        String allowed =
                get("/call?url=http://127.0.0.1:" + port + "/headers", headers).getBody();
        String other =
                get("/call?url=http://localhost:" + port + "/headers", headers).getBody();

        assertThat(allowed)
                .containsIgnoringCase("\"X-Request-ID\":\"chain-1\"")
                .containsIgnoringCase("X-Request-Timeout");
        assertThat(other).doesNotContainIgnoringCase("X-Request-Timeout").doesNotContain("chain-1");
    }

    private ResponseEntity<String> get(String uri, Map<String, String> headers) {
        return exchange(HttpMethod.GET, uri, headers);
    }

    private ResponseEntity<String> exchange(HttpMethod method, String uri, Map<String, String> headers) {
        return client.method(method)
                .uri(uri)
                .headers(h -> headers.forEach(h::set))
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(WAIT);
    }
}
