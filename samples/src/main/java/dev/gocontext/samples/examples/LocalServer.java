package dev.gocontext.samples.examples;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.netty.GoContextHttpServer;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;

/** The examples' server: Reactor Netty on 127.0.0.1 and a free port, each request under its own ctx. */
final class LocalServer {
    private LocalServer() {}

    /**
     * Starts a server with one {@code GET} route whose text answer comes from {@code handler}, run
     * by {@link GoContextHttpServer#handler} (request ctx from {@code X-Request-Timeout} and {@code
     * X-Request-ID}, {@code 400}, {@code 504}, cancel on disconnect). Dispose it when done.
     */
    static DisposableServer start(String path, Function<HttpServerRequest, Mono<String>> handler) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get(
                        path,
                        GoContextHttpServer.handler(
                                RequestContextFactory.withDefaults(),
                                (request, response) -> response.sendString(handler.apply(request)))))
                .bindNow();
    }
}
