package dev.gocontext.reactor.http;

import dev.gocontext.reactor.netty.GoContextHttpServer;
import dev.gocontext.reactor.web.GoContextWebFilter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** Real servers on loopback, port 0, for the adapter and fault-injection tests. */
public final class TestServers {
    private TestServers() {}

    /** A Reactor Netty server whose handler runs under {@link GoContextHttpServer}. */
    public static DisposableServer netty(
            RequestContextFactory requests,
            BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(GoContextHttpServer.handler(requests, handler))
                .bindNow();
    }

    /** A plain Reactor Netty server, without gocontext. */
    public static DisposableServer plain(
            BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
        return plain(handler, "127.0.0.1");
    }

    /** A plain Reactor Netty server on {@code host} (a loopback address), without gocontext. */
    public static DisposableServer plain(
            BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler,
            String host) {
        return HttpServer.create().host(host).port(0).handle(handler).bindNow();
    }

    /** A WebFlux server (no Boot) whose handler runs behind {@link GoContextWebFilter}. */
    public static DisposableServer webflux(RequestContextFactory requests, WebHandler handler) {
        return webflux(new GoContextWebFilter(requests), handler);
    }

    /** A WebFlux server (no Boot) whose handler runs behind {@code filter}. */
    public static DisposableServer webflux(GoContextWebFilter filter, WebHandler handler) {
        HttpHandler http = WebHttpHandlerBuilder.webHandler(handler)
                .filter(filter)
                // created here, not lazily on an event loop, where it reads a properties file
                .codecConfigurer(ServerCodecConfigurer.create())
                .build();
        return HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle(new ReactorHttpHandlerAdapter(http))
                .bindNow();
    }

    /** Sends a raw request and returns the open socket (the caller closes it). */
    public static Socket rawRequest(DisposableServer server, String headers) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        OutputStream out = socket.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    /** Reads a whole response from a raw socket (the server closes or sends a complete answer). */
    public static String readSome(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        int n = in.read(buffer);
        return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.US_ASCII);
    }
}
