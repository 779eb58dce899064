package dev.gocontext.samples.web;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A real HTTP client (Reactor Netty) for the service under test, on 127.0.0.1. */
final class TestHttp {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One answer: status, headers, body, and how long it took. */
    record Response(int status, HttpHeaders headers, String body, long elapsedMs) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        String header(String name) {
            return headers.get(name);
        }
    }

    private final HttpClient client;

    TestHttp(int port) {
        this.client = HttpClient.create().baseUrl("http://127.0.0.1:" + port);
    }

    Response get(String path) {
        return get(path, Map.of());
    }

    Response get(String path, Map<String, String> headers) {
        return exchange(path, headers).block(Duration.ofSeconds(30));
    }

    /** The exchange, not yet sent: cancelling it closes the connection (the client goes away). */
    Mono<Response> exchange(String path, Map<String, String> headers) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return client.headers(h -> headers.forEach(h::set))
                    .get()
                    .uri(path)
                    .responseSingle((response, body) -> body.asString()
                            .defaultIfEmpty("")
                            .map(text -> new Response(
                                    response.status().code(),
                                    response.responseHeaders(),
                                    text,
                                    Duration.ofNanos(System.nanoTime() - start).toMillis())));
        });
    }
}
