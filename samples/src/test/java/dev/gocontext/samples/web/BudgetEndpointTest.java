package dev.gocontext.samples.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * {@code /budget} over real HTTP: a downstream call with its own 300 ms budget inside a 2 s
 * request.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"logging.level.dev.gocontext.samples.db=WARN", "logging.level.reactor.netty=WARN"})
class BudgetEndpointTest {
    private static final Map<String, String> TWO_SECONDS = Map.of("X-Request-Timeout", "2000");

    @LocalServerPort
    int port;

    TestHttp http;

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    @Test
    void theDownstreamCallGetsItsOwnBudgetAndTheRequestKeepsItsOwn() {
        http.get("/budget?ms=10", TWO_SECONDS); // warm-up: the first call loads classes and codecs
        // A machine too loaded to finish a 10 ms call within 300 ms gives up on it, which proves
        // nothing about the budget sent: such a round is run again.
        for (int round = 1; ; round++) {
            TestHttp.Response response = http.get("/budget?ms=10", TWO_SECONDS);
            assertThat(response.status()).isEqualTo(200);
            JsonNode json = response.json();
            if (!json.get("outcome").asString().equals("ok")) {
                assertThat(round).as("rounds that gave up: " + response.body()).isLessThan(5);
                continue;
            }
            assertThat(json.get("downstreamRemainingMs").asLong())
                    .as("the downstream's budget was the call's")
                    .isBetween(0L, BudgetController.CALL_BUDGET.toMillis());
            assertThat(json.get("requestRemainingMs").asLong())
                    .as("the request's own budget is larger")
                    .isGreaterThan(BudgetController.CALL_BUDGET.toMillis());
            assertThat(json.get("requestId").asString()).isEqualTo(response.header("X-Request-ID"));
            return;
        }
    }

    @Test
    void aSlowDownstreamIsGivenUpAfterTheCallsBudgetWhileTheRequestGoesOn() {
        TestHttp.Response response = http.get("/budget?ms=5000", TWO_SECONDS);

        // 200, not the request's 504: the request was still live when the call was given up
        assertThat(response.status()).isEqualTo(200);
        JsonNode json = response.json();
        assertThat(json.get("outcome").asString()).isEqualTo("gave up after 300 ms: context deadline exceeded");
        assertThat(json.get("downstreamRemainingMs").isNull()).isTrue();
        assertThat(json.get("requestRemainingMs").asLong()).isPositive();
    }

    @Test
    void aBadParameterIs400() {
        TestHttp.Response response = http.get("/budget?ms=-1", TWO_SECONDS);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body()).startsWith("ms must be an integer from 0 to ");
    }
}
