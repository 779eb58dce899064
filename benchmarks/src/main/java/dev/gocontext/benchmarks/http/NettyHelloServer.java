package dev.gocontext.benchmarks.http;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.netty.GoContextHttpServer;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A Reactor Netty {@code HttpServer} answering {@code GET /hello} with {@code 200 hello}: as is
 * ({@code plain}) or with the handler wrapped by {@link GoContextHttpServer} under {@link
 * RequestContextFactory#withDefaults()} ({@code ours}), so that each request gets its own ctx with
 * the default deadline and a request id. Runs until killed.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.gocontext.benchmarks.http.NettyHelloServer ours 18080
 * wrk -t2 -c64 -d20s --latency http://127.0.0.1:18080/hello
 * }</pre>
 */
public final class NettyHelloServer {
    private NettyHelloServer() {}

    /** {@code plain|ours PORT}. */
    public static void main(String[] args) {
        HelloServerArgs options = HelloServerArgs.parse("NettyHelloServer", args);
        BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> hello = (request, response) ->
                response.header(HttpHeaderNames.CONTENT_TYPE, "text/plain").sendString(Mono.just(HelloServerArgs.BODY));
        BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler =
                options.ours() ? GoContextHttpServer.handler(RequestContextFactory.withDefaults(), hello) : hello;
        DisposableServer server = HttpServer.create()
                .host(HelloServerArgs.HOST)
                .port(options.port())
                .route(routes -> routes.get("/hello", handler))
                .bindNow();
        Runtime.getRuntime().addShutdownHook(new Thread(server::disposeNow, "netty-hello-shutdown"));
        System.out.println("netty " + options.variant() + " listening on " + server.host() + ":" + server.port());
        server.onDispose().block();
    }
}
