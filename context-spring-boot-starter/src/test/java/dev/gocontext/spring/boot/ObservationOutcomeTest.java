package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;

/**
 * The {@code gocontext.outcome} key on {@code http.server.requests} and {@code
 * http.client.requests}, in each of its four values, read from the stopped observations and from
 * the meters they record.
 */
@StarterServerTest
class ObservationOutcomeTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    ObservationsSeen observations;

    @Autowired
    Scopes scopes;

    @Autowired
    MeterRegistry registry;

    private WebClient client;

    @BeforeEach
    void reset() {
        client = WebClient.create("http://127.0.0.1:" + port);
        observations.clear();
        scopes.clear();
        TestApplication.resetHold();
    }

    @Test
    void aRequestThatCompletesIsCompleted() throws Exception {
        status("/work?ms=0", "done-1", "20000");

        assertServer("/work", "done-1", "completed");
        awaitMeter("http.server.requests", "gocontext.outcome", "completed", "uri", "/work");
    }

    @Test
    void aRequestPastItsDeadlineIsDeadlineExceeded() throws Exception {
        assertThat(status("/work?ms=5000", "late-1", null)).isEqualTo(504);

        assertServer("/work", "late-1", "deadline_exceeded");
        awaitMeter("http.server.requests", "gocontext.outcome", "deadline_exceeded", "status", "504");
    }

    @Test
    void aRequestWhoseClientGoesAwayIsClientDisconnected() throws Exception {
        Disposable call = send("/open/hold", "gone-1", null);
        awaitHeld("gone-1");
        call.dispose(); // closes the connection

        assertServer("/open/hold", "gone-1", "client_disconnected");
    }

    @Test
    void aRequestWhoseCtxIsCanceledBySomethingElseIsCanceled() throws Exception {
        Disposable call = send("/open/hold", "cut-1", null);
        awaitHeld("cut-1");
        scopes.find("cut-1", "/open/hold").ctx().cancel(); // as a parent's cancel would

        assertServer("/open/hold", "cut-1", "canceled");
        call.dispose();
    }

    @Test
    void aCallThatCompletesIsCompleted() throws Exception {
        status("/call?url=http://127.0.0.1:" + port + "/headers", "call-1", "20000");

        assertClient("/headers", "call-1", "completed");
        awaitMeter("http.client.requests", "gocontext.outcome", "completed", "uri", "/headers");
    }

    @Test
    void aCallCutByItsCallersDeadlineIsDeadlineExceeded() throws Exception {
        status("/call?url=http://127.0.0.1:" + port + "/open/hold", "call-2", "300");

        assertClient("/open/hold", "call-2", "deadline_exceeded");
    }

    @Test
    void aCallWhoseCallersClientWentAwayIsClientDisconnected() throws Exception {
        Disposable outer = send("/open/call?url=http://127.0.0.1:" + port + "/open/hold", "call-3", null);
        awaitHeld("call-3");
        outer.dispose();

        assertClient("/open/hold", "call-3", "client_disconnected");
    }

    @Test
    void aCallWhoseCallersCtxIsCanceledIsCanceled() throws Exception {
        Disposable outer = send("/open/call?url=http://127.0.0.1:" + port + "/open/hold", "call-4", null);
        awaitHeld("call-4");
        scopes.find("call-4", "/open/call").ctx().cancel();

        assertClient("/open/hold", "call-4", "canceled");
        outer.dispose();
    }

    private void assertServer(String path, String requestId, String outcome) throws InterruptedException {
        Observation.Context seen = observations.await("server " + path, ObservationsSeen.server(path, requestId));
        assertThat(seen.getLowCardinalityKeyValue("gocontext.outcome").getValue())
                .as("server " + path)
                .isEqualTo(outcome);
    }

    private void assertClient(String path, String requestId, String outcome) throws InterruptedException {
        Observation.Context seen = observations.await("client " + path, ObservationsSeen.client(path, requestId));
        assertThat(seen.getLowCardinalityKeyValue("gocontext.outcome").getValue())
                .as("client " + path)
                .isEqualTo(outcome);
    }

    /**
     * The meter handler records the timer in the same {@code stop()} as the observation event the
     * test waited for, possibly after it: wait (bounded) until it is there.
     */
    private void awaitMeter(String name, String... tags) {
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(registry.find(name).tags(tags).timer())
                        .as(name + " " + String.join(",", tags))
                        .isNotNull());
    }

    private static void awaitHeld(String requestId) throws InterruptedException {
        assertThat(TestApplication.HELD.poll(10, TimeUnit.SECONDS)).isEqualTo(requestId);
    }

    private int status(String uri, String requestId, String timeoutMs) {
        return client.get()
                .uri(uri)
                .headers(h -> headers(requestId, timeoutMs).forEach(h::set))
                .exchangeToMono(response ->
                        response.releaseBody().thenReturn(response.statusCode().value()))
                .block(WAIT);
    }

    private Disposable send(String uri, String requestId, String timeoutMs) {
        return client.get()
                .uri(uri)
                .headers(h -> headers(requestId, timeoutMs).forEach(h::set))
                .retrieve()
                .bodyToMono(String.class)
                .subscribe(body -> {}, error -> {});
    }

    private static Map<String, String> headers(String requestId, String timeoutMs) {
        return timeoutMs == null
                ? Map.of("X-Request-ID", requestId)
                : Map.of("X-Request-ID", requestId, "X-Request-Timeout", timeoutMs);
    }
}
