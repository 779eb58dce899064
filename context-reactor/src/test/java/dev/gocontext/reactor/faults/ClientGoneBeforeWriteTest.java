package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.web.GoContextWebFilter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A client that goes away while an annotated controller is still working is not an error of the
 * service: the controller's 200, written once the connection is closed, fails to be sent, and Spring
 * resolves that failure as it does for any controller (it clears the response's content headers,
 * which a committed response ignores, then reports a client that went away, at DEBUG). Behind
 * {@link GoContextWebFilter} the same holds: nothing is logged above DEBUG, nothing is dropped to
 * {@code onErrorDropped}. The controller writes only after the server saw the connection close.
 */
class ClientGoneBeforeWriteTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final ResourceCheck check = new ResourceCheck();

    private AnnotationConfigApplicationContext spring;
    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
        if (spring != null) {
            spring.close();
        }
    }

    /** The controller's moments: the request arrived; the connection closed under it. */
    static final class Moments {
        final Sinks.Empty<Void> arrived = Sinks.empty();
    }

    @RestController
    static class AfterCloseController {
        private final Moments moments;

        AfterCloseController(Moments moments) {
            this.moments = moments;
        }

        /** Answers 200, once its client has closed the connection. */
        @GetMapping("/after-close")
        Mono<String> afterClose(ServerHttpRequest request) {
            HttpServerRequest netty = ServerHttpRequestDecorator.getNativeRequest(request);
            Sinks.Empty<Void> closed = Sinks.empty();
            netty.withConnection(connection -> connection.onDispose(closed::tryEmitEmpty));
            moments.arrived.tryEmitEmpty();
            return closed.asMono().thenReturn("handler body");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebFlux
    static class Service {
        @Bean
        Moments moments() {
            return new Moments();
        }

        @Bean
        AfterCloseController afterCloseController(Moments moments) {
            return new AfterCloseController(moments);
        }

        @Bean
        GoContextWebFilter goContextWebFilter() {
            return new GoContextWebFilter(RequestContextFactory.withDefaults());
        }
    }

    @Test
    void aControllerAnsweringAfterItsClientLeftLogsNothing() throws Exception {
        spring = new AnnotationConfigApplicationContext(Service.class);
        HttpHandler http = WebHttpHandlerBuilder.applicationContext(spring).build();
        ReactorHttpHandlerAdapter adapter = new ReactorHttpHandlerAdapter(http);
        Sinks.Empty<Void> exchangeOver = Sinks.empty();
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) ->
                        adapter.apply(request, response).doFinally(signal -> exchangeOver.tryEmitEmpty()))
                .bindNow();
        Moments moments = spring.getBean(Moments.class);

        try (LogCapture capture = LogCapture.begin()) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                socket.getOutputStream()
                        .write("GET /after-close HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Timeout: 10000\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                moments.arrived.asMono().block(WAIT);
            } // the client goes away; then the controller answers
            exchangeOver.asMono().block(WAIT);

            assertThat(capture.events()).as("logged above DEBUG").isEmpty();
            assertThat(capture.dropped()).as("dropped errors").isEmpty();
        }
    }
}
