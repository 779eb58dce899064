package dev.gocontext.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * With {@code spring.webflux.problemdetails.enabled=true}, the filter's 400 and 504 are RFC 9457
 * problem details with the request id; the header names come from the properties.
 */
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.webflux.problemdetails.enabled=true",
            "gocontext.web.default-timeout=200ms",
            "gocontext.web.timeout-header=X-Budget-Ms",
            "gocontext.web.request-id-header=X-Correlation-ID",
            "logging.level.reactor.netty=WARN"
        })
class ProblemDetailsTest {
    @LocalServerPort
    int port;

    @Test
    void theDeadlineIsA504ProblemWithTheRequestId() {
        ResponseEntity<String> response = get("/work?ms=3000", "X-Correlation-ID", "trace-504");

        assertThat(response.getStatusCode().value()).isEqualTo(504);
        assertThat(response.getHeaders().getFirst("X-Correlation-ID")).isEqualTo("trace-504");
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = JsonMapper.builder().build().readTree(response.getBody());
        assertThat(problem.get("status").asInt()).isEqualTo(504);
        assertThat(problem.get("title").asString()).isEqualTo("Gateway Timeout");
        assertThat(problem.get("detail").asString()).isNotBlank();
        assertThat(problem.get("instance").asString()).isEqualTo("/work");
        assertThat(problem.get("requestId").asString()).isEqualTo("trace-504");
    }

    @Test
    void aMalformedBudgetIsA400ProblemNamingTheConfiguredHeader() {
        ResponseEntity<String> response = get("/work?ms=1", "X-Budget-Ms", "soon");

        assertThat(response.getStatusCode().value()).isEqualTo(400);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = JsonMapper.builder().build().readTree(response.getBody());
        assertThat(problem.get("status").asInt()).isEqualTo(400);
        assertThat(problem.get("detail").asString()).contains("X-Budget-Ms");
        assertThat(problem.get("requestId").asString())
                .isEqualTo(response.getHeaders().getFirst("X-Correlation-ID"))
                .isNotBlank();
    }

    @Test
    void theConfiguredTimeoutHeaderSetsTheBudget() {
        ResponseEntity<String> response = get("/work?ms=500", "X-Budget-Ms", "20000");

        assertThat(response.getStatusCode().value()).isEqualTo(200);
    }

    private ResponseEntity<String> get(String uri, String header, String value) {
        return WebClient.create("http://127.0.0.1:" + port)
                .get()
                .uri(uri)
                .header(header, value)
                .exchangeToMono(response -> response.toEntity(String.class))
                .block(Duration.ofSeconds(20));
    }
}
