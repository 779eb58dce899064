package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.GoContextMetrics;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.http.RequestContextFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The module README's "new Boot 4 WebFlux app": only the starter and two properties, then its curl
 * lines, over HTTP.
 */
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"gocontext.web.max-timeout=5s", "gocontext.client.allowed-hosts=prices.internal"})
class ReadmeExampleTest {
    @LocalServerPort
    int port;

    @Autowired
    RequestContextFactory requests;

    @Autowired
    OutboundPropagation propagation;

    @Autowired
    GoContextMetrics metrics;

    @Test
    void theTwoPropertiesAreAllItTakes() {
        assertThat(requests.maxTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(requests.defaultTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(propagation.allows("prices.internal")).isTrue();
        assertThat(propagation.allows("example.com")).isFalse();
        assertThat(metrics).isNotNull();
    }

    @Test
    void theCurlLinesAnswerAsTheReadmeSays() {
        ResponseEntity<String> hello = get("/hello?ms=10", Map.of());
        assertThat(hello.getStatusCode().value()).isEqualTo(200);
        assertThat(hello.getBody()).isEqualTo("hello " + hello.getHeaders().getFirst("X-Request-ID") + "\n");

        assertThat(get("/hello?ms=1000", Map.of("X-Request-Timeout", "100"))
                        .getStatusCode()
                        .value())
                .isEqualTo(504);

        ResponseEntity<String> bad = get("/hello", Map.of("X-Request-Timeout", "soon"));
        assertThat(bad.getStatusCode().value()).isEqualTo(400);
        assertThat(bad.getBody()).contains("X-Request-Timeout");
    }

    private ResponseEntity<String> get(String uri, Map<String, String> headers) {
        return WebClient.create("http://127.0.0.1:" + port)
                .get()
                .uri(uri)
                .headers(h -> headers.forEach(h::set))
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(Duration.ofSeconds(20));
    }
}
