package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * The WebFlux filter's 504 and a handler that is still running when the deadline passes: the
 * handler is cancelled, but work it already started (an encoder, a scheduled write) may touch the
 * response afterwards. The 504 must reach the client intact, and the late work must neither fail
 * nor change it. (LateWriteFaultsTest races the two under load, on both adapters.)
 */
class LateHandlerWriteTest {
    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    @Test
    void aHandlerWritingAfterTheDeadlineCannotSpoilThe504() {
        List<Throwable> lateFailures = new CopyOnWriteArrayList<>();
        AtomicBoolean lateWriteRan = new AtomicBoolean();
        Sinks.Empty<Void> the504Arrived = Sinks.empty();
        RequestContextFactory requests = RequestContextFactory.builder().build();
        server = TestServers.webflux(requests, exchange -> {
            ServerHttpResponse response = exchange.getResponse();
            // started work that does not stop with the handler's cancellation: it writes once the
            // client has its 504
            the504Arrived.asMono().subscribe(null, null, () -> {
                try {
                    response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
                    response.setStatusCode(HttpStatus.OK);
                    byte[] json = "{\"late\":true}".getBytes(StandardCharsets.UTF_8);
                    response.writeWith(Mono.fromSupplier(
                                    () -> response.bufferFactory().wrap(json)))
                            .subscribe(null, lateFailures::add);
                } catch (RuntimeException e) {
                    lateFailures.add(e);
                } finally {
                    lateWriteRan.set(true);
                }
            });
            return Mono.never();
        });

        String[] reply = HttpClient.create()
                .headers(h -> h.add(GoContextHttp.REQUEST_TIMEOUT, "100"))
                .get()
                .uri("http://127.0.0.1:" + server.port() + "/")
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> new String[] {
                            String.valueOf(response.status().code()),
                            response.responseHeaders().get("Content-Type"),
                            text
                        }))
                .block(Duration.ofSeconds(10));

        assertThat(reply[0]).isEqualTo("504");
        assertThat(reply[1]).startsWith("text/plain");
        assertThat(reply[2]).isEqualTo("request deadline exceeded\n");
        the504Arrived.tryEmitEmpty();
        await().atMost(Duration.ofSeconds(10)).untilTrue(lateWriteRan);
        assertThat(lateFailures).as("the late handler work failed").isEmpty();
    }
}
