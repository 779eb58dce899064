package dev.gocontext.spring.boot;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A WebFlux application that uses nothing but the starter, for the real-server tests: endpoints
 * that work for a while under the request ctx, stream, hold a request until a test lets it go, and
 * call the server again through Boot's {@code WebClient.Builder}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class TestApplication {
    /** Requests at {@code /hold} announce themselves here (their request id) once they are handled. */
    static final BlockingQueue<String> HELD = new LinkedBlockingQueue<>();

    /** Completing this lets every held request answer. */
    static volatile Sinks.Empty<Void> release = Sinks.empty();

    static void resetHold() {
        HELD.clear();
        release = Sinks.empty();
    }

    /** Every request scope the application opens; a {@code RequestListener} bean, so the starter adds it. */
    @Bean
    Scopes scopes() {
        return new Scopes();
    }

    /** Every server and client request observation, once stopped. */
    @Bean
    ObservationsSeen observationsSeen() {
        return new ObservationsSeen();
    }

    @Bean
    HandlerMapping webSockets() {
        WebSocketHandler ticks = session -> {
            int n = Integer.parseInt(
                    session.getHandshakeInfo().getUri().getQuery().replace("n=", ""));
            return session.send(
                    Flux.interval(Duration.ofMillis(150)).take(n).map(i -> session.textMessage("tick " + (i + 1))));
        };
        return new SimpleUrlHandlerMapping(Map.of("/ws/ticks", ticks), -1);
    }

    @RestController
    static class Endpoints {
        private final WebClient self;

        Endpoints(WebClient.Builder builder) {
            this.self = builder.build();
        }

        /** {@code ms} of work bound to the request ctx; answers the request id and remaining budget. */
        @GetMapping({"/work", "/reports/work", "/open/work", "/posts/work"})
        Mono<Map<String, Object>> work(@RequestParam long ms) {
            return GoContext.current()
                    .flatMap(ctx -> GoContext.deadlineOf(Mono.delay(Duration.ofMillis(ms)))
                            .then(Mono.fromSupplier(() -> Map.<String, Object>of(
                                    "requestId",
                                    String.valueOf(GoContextHttp.requestId(ctx)),
                                    "remainingMs",
                                    ctx.remaining().map(Duration::toMillis).orElse(-1L)))));
        }

        @PostMapping("/posts/work")
        Mono<Map<String, Object>> postWork(@RequestParam long ms) {
            return work(ms);
        }

        /** The handler of the module README's example. */
        @GetMapping("/hello")
        Mono<String> hello(@RequestParam(defaultValue = "0") long ms) {
            return GoContext.current()
                    .flatMap(ctx -> GoContext.deadlineOf(Mono.delay(Duration.ofMillis(ms)))
                            .thenReturn("hello " + GoContextHttp.requestId(ctx) + "\n"));
        }

        /** Server-Sent Events: {@code n} events, one every 150 ms. */
        @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        Flux<ServerSentEvent<String>> events(@RequestParam int n) {
            return GoContext.deadlineOf(Flux.range(1, n)
                    .delayElements(Duration.ofMillis(150))
                    .map(i -> ServerSentEvent.builder("event " + i).build()));
        }

        /** Held until the test completes {@link #release}; bound to the request ctx. */
        @GetMapping({"/hold", "/open/hold"})
        Mono<String> hold() {
            return GoContext.current().flatMap(ctx -> {
                HELD.add(String.valueOf(GoContextHttp.requestId(ctx)));
                return GoContext.deadlineOf(release.asMono()).thenReturn("released");
            });
        }

        /** The headers this request arrived with. */
        @GetMapping("/headers")
        Map<String, String> headers(@RequestHeader HttpHeaders headers) {
            Map<String, String> all = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((name, values) -> all.put(name, String.join(",", values)));
            return all;
        }

        /** Calls {@code target} on this server through Boot's WebClient, under the request ctx. */
        @GetMapping({"/call", "/open/call"})
        Mono<String> call(@RequestParam String url) {
            return self.get().uri(url).retrieve().bodyToMono(String.class);
        }
    }
}
