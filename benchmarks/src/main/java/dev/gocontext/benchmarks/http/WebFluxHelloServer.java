package dev.gocontext.benchmarks.http;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.web.GoContextWebFilter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A WebFlux application without Boot: one functional route, {@code GET /hello} answering {@code 200
 * hello}, turned into an {@link HttpHandler} by {@link WebHttpHandlerBuilder} and served by Reactor
 * Netty; as is ({@code plain}) or behind {@link GoContextWebFilter} under {@link
 * RequestContextFactory#withDefaults()} ({@code ours}). Runs until killed.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.gocontext.benchmarks.http.WebFluxHelloServer ours 18080
 * wrk -t2 -c64 -d20s --latency http://127.0.0.1:18080/hello
 * }</pre>
 */
public final class WebFluxHelloServer {
    private WebFluxHelloServer() {}

    /** {@code plain|ours PORT}. */
    public static void main(String[] args) {
        HelloServerArgs options = HelloServerArgs.parse("WebFluxHelloServer", args);
        RouterFunction<ServerResponse> hello = RouterFunctions.route()
                .GET("/hello", request -> ServerResponse.ok().bodyValue(HelloServerArgs.BODY))
                .build();
        WebHttpHandlerBuilder web = WebHttpHandlerBuilder.webHandler(
                        RouterFunctions.toWebHandler(hello, HandlerStrategies.withDefaults()))
                // created here, not lazily on an event loop during the first request
                .codecConfigurer(ServerCodecConfigurer.create());
        if (options.ours()) {
            web.filter(new GoContextWebFilter(RequestContextFactory.withDefaults()));
        }
        DisposableServer server = HttpServer.create()
                .host(HelloServerArgs.HOST)
                .port(options.port())
                .handle(new ReactorHttpHandlerAdapter(web.build()))
                .bindNow();
        Runtime.getRuntime().addShutdownHook(new Thread(server::disposeNow, "webflux-hello-shutdown"));
        System.out.println("webflux " + options.variant() + " listening on " + server.host() + ":" + server.port());
        server.onDispose().block();
    }
}
