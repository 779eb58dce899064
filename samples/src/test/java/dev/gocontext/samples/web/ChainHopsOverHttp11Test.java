package dev.gocontext.samples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The chain's hops over HTTP/1.1 ({@code samples.chain.protocol=http11}) still carry the budget
 * and the request id, and a short budget is still a {@code 504}; a protocol the service does not
 * know is refused by name.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "samples.chain.protocol=HTTP11",
            "logging.level.dev.gocontext.samples.db=WARN",
            "logging.level.reactor.netty=WARN"
        })
class ChainHopsOverHttp11Test {
    @LocalServerPort
    int port;

    @Test
    void theHopsAreServedOverHttp11WithTheirBudgetAndTheRequestId() {
        TestHttp http = new TestHttp(port);
        TestHttp.Response response =
                http.get("/chain?hops=2&ms=10", Map.of("X-Request-Timeout", "5000", "X-Request-ID", "h1-1"));

        assertThat(response.status()).isEqualTo(200);
        JsonNode hops = response.json().get("hops");
        assertThat(hops).hasSize(3);
        for (int i = 1; i < 3; i++) {
            assertThat(hops.get(i).get("protocol").asString()).as("hop %d", i).isEqualTo("HTTP/1.1");
            assertThat(hops.get(i).get("requestId").asString()).isEqualTo("h1-1");
            assertThat(hops.get(i).get("remainingMs").asLong())
                    .isPositive()
                    .isLessThan(hops.get(i - 1).get("remainingMs").asLong());
        }
        assertThat(http.get("/chain?hops=1&ms=100", Map.of("X-Request-Timeout", "150"))
                        .status())
                .isEqualTo(504);
    }

    @Test
    void anUnknownProtocolIsRefusedByName() {
        assertThat(ChainProtocol.of(" H2c ")).isEqualTo(ChainProtocol.H2C);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChainProtocol.of("http3"))
                .withMessage("samples.chain.protocol must be one of h2c, http11, not 'http3'");
    }
}
