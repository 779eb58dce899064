package dev.gocontext.samples.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;

/**
 * The chain's hops over h2c ({@code samples.chain.protocol=h2c}): every hop after the first is served over HTTP/2, with
 * its budget and the request id; and chains whose budget runs out while a hop is in flight (the hop
 * is canceled) reset their stream, not their connection: however many, the server accepts only a
 * few connections (the hops' pool, and this test's client).
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "samples.chain.protocol=h2c",
            "logging.level.dev.gocontext.samples.db=WARN",
            "logging.level.reactor.netty=WARN"
        })
class ChainHopsProtocolTest {
    private static final int CANCELED_CHAINS = 40;
    /** More stream resets than Netty's default lets one connection make in 30 s (200). */
    private static final int RESETS = 400;
    /** The hops' pool (one h2 connection, a second if two hops race to open it) and this test's client. */
    private static final int FEW_CONNECTIONS = 4;

    /** Counts the TCP connections the server accepts (streams of an h2 connection are not counted). */
    @TestConfiguration
    static class CountConnections {
        @Bean
        AtomicInteger connectionsAccepted() {
            return new AtomicInteger();
        }

        @Bean
        NettyServerCustomizer countingConnections(AtomicInteger connectionsAccepted) {
            return server ->
                    server.doOnChannelInit((observer, channel, remote) -> connectionsAccepted.incrementAndGet());
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    AtomicInteger connectionsAccepted;

    TestHttp http;

    @BeforeEach
    void client() {
        http = new TestHttp(port);
    }

    @Test
    void theHopsAreServedOverHttp2WithTheirBudgetAndTheRequestId() {
        TestHttp.Response response =
                http.get("/chain?hops=2&ms=10", Map.of("X-Request-Timeout", "5000", "X-Request-ID", "h2c-1"));

        assertThat(response.status()).isEqualTo(200);
        JsonNode hops = response.json().get("hops");
        assertThat(hops).hasSize(3);
        assertThat(hops.get(0).get("protocol").asString())
                .as("the test's own call")
                .isEqualTo("HTTP/1.1");
        for (int i = 1; i < 3; i++) {
            assertThat(hops.get(i).get("protocol").asString()).as("hop %d", i).isEqualTo("HTTP/2.0");
            assertThat(hops.get(i).get("requestId").asString()).isEqualTo("h2c-1");
            assertThat(hops.get(i).get("remainingMs").asLong())
                    .isPositive()
                    .isLessThan(hops.get(i - 1).get("remainingMs").asLong());
        }
    }

    @Test
    void canceledHopsResetTheirStreamAndKeepTheirConnection() {
        http.get("/chain?hops=1&ms=0", Map.of("X-Request-Timeout", "5000")); // the pools are open
        int before = connectionsAccepted.get();

        for (int i = 0; i < CANCELED_CHAINS; i++) {
            // hop 0 works 100 ms, then calls hop 1, which works 100 ms more than the budget leaves
            TestHttp.Response response = http.get("/chain?hops=1&ms=100", Map.of("X-Request-Timeout", "150"));
            assertThat(response.status()).isEqualTo(504);
        }

        assertThat(connectionsAccepted.get() - before)
                .as("connections accepted for %d chains whose hop was canceled", CANCELED_CHAINS)
                .isLessThanOrEqualTo(FEW_CONNECTIONS);
    }

    /**
     * A caller that resets many streams on one h2c connection (every hop its ctx cancels is one)
     * keeps that connection: the server takes up to {@value StreamResetLimit#DEFAULT} resets a
     * second from it. Netty's default closes a connection after 200 resets in 30 s, and with it
     * every other call on the connection.
     */
    @Test
    void aCallerThatResetsManyStreamsKeepsItsConnection() {
        ConnectionProvider oneConnection = ConnectionProvider.create("resets", 1);
        try {
            HttpClient client =
                    HttpClient.create(oneConnection).protocol(HttpProtocol.H2C).baseUrl("http://127.0.0.1:" + port);
            int before = connectionsAccepted.get();
            // work that outlasts the call: each call is cancelled (its stream reset) by its timeout
            Flux.range(0, RESETS)
                    .concatMap(i -> client.get()
                            .uri("/work?ms=60000")
                            .responseContent()
                            .aggregate()
                            .asString()
                            .timeout(Duration.ofMillis(20))
                            .onErrorResume(TimeoutException.class, e -> Mono.empty()))
                    .blockLast(Duration.ofMinutes(1));
            String answer = client.get()
                    .uri("/work?ms=1")
                    .responseContent()
                    .aggregate()
                    .asString()
                    .block(Duration.ofSeconds(30));

            assertThat(answer).contains("\"elapsedMs\"");
            assertThat(connectionsAccepted.get() - before)
                    .as("connections this caller opened for %d reset streams and one call", RESETS)
                    .isEqualTo(1);
        } finally {
            oneConnection.disposeLater().block(Duration.ofSeconds(30));
        }
    }
}
