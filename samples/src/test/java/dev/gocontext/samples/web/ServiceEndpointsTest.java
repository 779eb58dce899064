package dev.gocontext.samples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.samples.db.DbStatementStats;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;

/**
 * The service on a random port, called over real HTTP: every endpoint, deadlines (504), bad input
 * (400), request ids, the chain's budgets, client disconnects, and the meters.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"logging.level.dev.gocontext.samples.db=WARN", "logging.level.reactor.netty=WARN"})
class ServiceEndpointsTest {
    private static final Map<String, String> TWO_SECONDS = Map.of("X-Request-Timeout", "2000");

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry registry;

    TestHttp http;

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    @Test
    void workAnswersWithTheRequestIdAndTheRemainingBudget() {
        TestHttp.Response response = http.get("/work?ms=50", TWO_SECONDS);

        assertThat(response.status()).isEqualTo(200);
        JsonNode json = response.json();
        assertThat(json.get("requestId").asString())
                .isEqualTo(response.header("X-Request-ID"))
                .isNotBlank();
        assertThat(json.get("elapsedMs").asLong()).isBetween(50L, 2000L);
        assertThat(json.get("remainingMs").asLong()).isBetween(1L, 1950L);
    }

    @Test
    void workPastTheDeadlineIs504() {
        TestHttp.Response response = http.get("/work?ms=10000", Map.of("X-Request-Timeout", "100"));

        assertThat(response.status()).isEqualTo(504);
        assertThat(response.elapsedMs()).isLessThan(5000); // far below the 10 s of work, even on a busy machine
    }

    @Test
    void theRequestIdIsEchoedOrGenerated() {
        TestHttp.Response given = http.get("/work?ms=0", Map.of("X-Request-ID", "trace-42.a_b"));
        assertThat(given.header("X-Request-ID")).isEqualTo("trace-42.a_b");
        assertThat(given.json().get("requestId").asString()).isEqualTo("trace-42.a_b");

        TestHttp.Response generated = http.get("/work?ms=0");
        assertThat(generated.header("X-Request-ID")).matches("[A-Za-z0-9._-]{1,128}");

        TestHttp.Response replaced = http.get("/work?ms=0", Map.of("X-Request-ID", "no spaces or <tags>"));
        assertThat(replaced.header("X-Request-ID"))
                .matches("[A-Za-z0-9._-]{1,128}")
                .isNotEqualTo("no spaces or <tags>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-5", "0", "1.5", "", "12ms"})
    void aMalformedTimeoutHeaderIs400(String header) {
        double active = activeContexts();

        TestHttp.Response response = http.get("/work?ms=10", Map.of("X-Request-Timeout", header));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("text/plain");
        assertThat(response.body()).contains("X-Request-Timeout");
        awaitActiveContexts(active);
    }

    @Test
    void aTimeoutAboveTheMaximumIsClampedToIt() {
        TestHttp.Response response = http.get("/work?ms=0", Map.of("X-Request-Timeout", "99999999999999999999999"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("remainingMs").asLong()).isBetween(1L, 60_000L);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/work?ms=-1",
                "/work?ms=abc",
                "/work?ms=60001",
                "/db?sleepMs=-1",
                "/db?sleepMs=x",
                "/db?sleepMs=60001",
                "/chain?hops=11",
                "/chain?hops=-1",
                "/chain?ms=zz"
            })
    void anOutOfRangeParameterIs400WithAPlainMessage(String path) {
        double active = activeContexts();
        long started = DbStatementStats.global().started();

        TestHttp.Response response = http.get(path, TWO_SECONDS);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("text/plain");
        String parameter = path.substring(path.indexOf('?') + 1, path.indexOf('='));
        assertThat(response.body()).startsWith(parameter + " must be an integer from 0 to ");
        awaitActiveContexts(active);
        assertThat(DbStatementStats.global().started()).isEqualTo(started);
    }

    @Test
    void dbRunsTheStatementInTheDatabase() {
        TestHttp.Response response = http.get("/db?sleepMs=50", TWO_SECONDS);

        assertThat(response.status()).isEqualTo(200);
        JsonNode json = response.json();
        assertThat(json.get("sleptMs").asLong()).isEqualTo(50);
        assertThat(json.get("sessionId").asInt()).isPositive();
        assertThat(json.get("requestId").asString()).isEqualTo(response.header("X-Request-ID"));
    }

    @Test
    void dbPastTheDeadlineIs504AndTheStatementIsCanceledInTheDatabase() {
        long canceled = DbStatementStats.global().canceled();

        TestHttp.Response response = http.get("/db?sleepMs=10000", Map.of("X-Request-Timeout", "1000"));

        assertThat(response.status()).isEqualTo(504);
        assertThat(response.elapsedMs()).isLessThan(6000);
        await().atMost(Duration.ofSeconds(2))
                .untilAsserted(
                        () -> assertThat(DbStatementStats.global().canceled()).isEqualTo(canceled + 1));
        awaitNoStatementRunning();
    }

    @Test
    void aClientThatGoesAwayCancelsTheStatementInTheDatabase() {
        double active = activeContexts();
        long canceled = DbStatementStats.global().canceled();
        long started = DbStatementStats.global().started();

        Disposable call = http.exchange("/db?sleepMs=10000", Map.of("X-Request-Timeout", "30000"))
                .subscribe();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> DbStatementStats.global().started() > started);
        call.dispose(); // closes the connection mid-request

        await().atMost(Duration.ofSeconds(3))
                .untilAsserted(
                        () -> assertThat(DbStatementStats.global().canceled()).isEqualTo(canceled + 1));
        awaitNoStatementRunning();
        awaitActiveContexts(active);
    }

    @Test
    void chainPropagatesTheDeadlineAndTheRequestIdDownEveryHop() {
        TestHttp.Response response =
                http.get("/chain?hops=3&ms=20", Map.of("X-Request-Timeout", "3000", "X-Request-ID", "chain-1"));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode json = response.json();
        assertThat(json.get("requestId").asString()).isEqualTo("chain-1");
        List<Long> budgets = new ArrayList<>();
        for (JsonNode hop : json.get("hops")) {
            assertThat(hop.get("requestId").asString()).isEqualTo("chain-1");
            budgets.add(hop.get("remainingMs").asLong());
        }
        assertThat(budgets).hasSize(4);
        assertThat(budgets.get(0)).isLessThanOrEqualTo(3000);
        for (int i = 1; i < budgets.size(); i++) {
            assertThat(budgets.get(i)).as("budgets %s", budgets).isLessThan(budgets.get(i - 1));
        }
    }

    @Test
    void aChainLongerThanItsBudgetIs504() {
        TestHttp.Response response = http.get("/chain?hops=3&ms=2000", Map.of("X-Request-Timeout", "300"));

        assertThat(response.status()).isEqualTo(504);
        assertThat(response.elapsedMs()).isLessThan(5000);
    }

    @Test
    void prometheusListsEveryGocontextMeter() {
        http.get("/work?ms=0"); // at least one request ctx, so that every meter has a value

        TestHttp.Response response = http.get("/actuator/prometheus");

        assertThat(response.status()).isEqualTo(200);
        Set<String> meters = registry.getMeters().stream()
                .map(meter -> meter.getId().getName())
                .filter(name -> name.startsWith("gocontext."))
                .collect(Collectors.toSet());
        assertThat(meters)
                .containsExactlyInAnyOrder(
                        "gocontext.contexts.created",
                        "gocontext.contexts.active",
                        "gocontext.contexts.done",
                        "gocontext.leaks",
                        "gocontext.subscriptions.active",
                        "gocontext.subscriptions.canceled");
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            if (id.getName().startsWith("gocontext.") || id.getName().startsWith("samples.db.")) {
                String exposed =
                        registry.config().namingConvention().name(id.getName(), id.getType(), id.getBaseUnit());
                assertThat(response.body())
                        .as("%s exposed as %s", id, exposed)
                        .containsPattern("(?m)^" + exposed + "(_total)?[{ ]");
            }
        }
        assertThat(response.body())
                .contains("gocontext_contexts_done_total{reason=\"canceled\"}")
                .contains("gocontext_contexts_done_total{reason=\"deadline_exceeded\"}")
                .contains("gocontext_subscriptions_canceled_total{reason=\"canceled\"}")
                .contains("gocontext_subscriptions_canceled_total{reason=\"deadline_exceeded\"}")
                .contains("samples_db_statements_total{outcome=\"canceled\"}");
    }

    @Test
    void healthIsUp() {
        TestHttp.Response response = http.get("/actuator/health");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("status").asString()).isEqualTo("UP");
    }

    private double activeContexts() {
        return registry.get("gocontext.contexts.active").gauge().value();
    }

    /** The request contexts of finished requests are done: the gauge is back where it was. */
    private void awaitActiveContexts(double before) {
        await().atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(activeContexts()).isLessThanOrEqualTo(before));
    }

    private static void awaitNoStatementRunning() {
        await().atMost(Duration.ofSeconds(2))
                .untilAsserted(
                        () -> assertThat(DbStatementStats.global().running()).isZero());
    }
}
