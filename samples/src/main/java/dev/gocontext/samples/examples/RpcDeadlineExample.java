package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * An RPC with a deadline, like gRPC's {@code withDeadlineAfter(3, SECONDS)}, over HTTP with Reactor
 * Netty. Guide ({@code docs/GUIDE.md}): chapter 9, "Database and RPC deadlines".
 *
 * <p>A local server answers {@code /quote?ms=N} after {@code N} ms of work bound to its request
 * ctx. The client calls it under a 300 ms ctx: its {@code HttpClient} sends the remaining budget
 * ({@code X-Request-Timeout}) and the request id, and gives up at its deadline; the server derives
 * its own deadline from the header, so it stops working for a caller that has gone. A second call
 * that needs 50 ms, under a 5 s deadline, succeeds. Key line: {@code client: slow call failed after ~300 ms: context
 * deadline exceeded}.
 *
 * <pre>{@code ./demo.sh example rpc}</pre>
 */
public final class RpcDeadlineExample {
    private RpcDeadlineExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws InterruptedException {
        Semaphore served = new Semaphore(0); // released when the server has finished a request
        DisposableServer server =
                LocalServer.start("/quote", request -> quote(out, request.uri()).doFinally(signal -> served.release()));
        try {
            HttpClient client = GoContextHttpClient.propagation(OutboundPropagation.toHosts("127.0.0.1"))
                    .apply(HttpClient.create().baseUrl("http://127.0.0.1:" + server.port()));
            // the first call of a fresh JVM loads classes and connects: give it time
            call(out, client, "warm-up", "/quote?ms=0", Duration.ofSeconds(10));
            served.tryAcquire(5, TimeUnit.SECONDS);
            call(out, client, "slow", "/quote?ms=1000", Duration.ofMillis(300));
            served.tryAcquire(5, TimeUnit.SECONDS); // let the server report how its side ended
            call(out, client, "fast", "/quote?ms=50", Duration.ofSeconds(5));
            served.tryAcquire(5, TimeUnit.SECONDS);
        } finally {
            server.disposeNow(Duration.ofSeconds(5));
        }
    }

    /** The client side: one call under a ctx with a deadline and a request id. */
    private static void call(PrintStream out, HttpClient client, String label, String path, Duration deadline) {
        Context request = Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "rpc-" + label);
        long start = System.nanoTime();
        try (CancellableContext ctx = request.withTimeout(deadline)) {
            out.println("client: " + label + " call " + path + " with a " + deadline.toMillis() + " ms deadline");
            String answer = GoContext.deadlineOf(
                            client.get().uri(path).responseContent().aggregate().asString())
                    .contextWrite(GoContext.with(ctx))
                    .block();
            out.println("client: " + label + " call answered '" + answer + "' after " + elapsedMs(start) + " ms");
        } catch (ContextException e) {
            out.println("client: " + label + " call failed after " + elapsedMs(start) + " ms: " + e.getMessage());
        }
    }

    /** The server side: work bound to the request ctx that the server derived from the headers. */
    private static Mono<String> quote(PrintStream out, String uri) {
        if (uri.endsWith("ms=0")) {
            return Mono.just("ready"); // the warm-up call
        }
        long ms = Long.parseLong(uri.substring(uri.indexOf("ms=") + 3));
        return GoContext.current().flatMap(ctx -> {
            long start = System.nanoTime();
            out.println("server: " + GoContextHttp.requestId(ctx) + " arrived with "
                    + ctx.remaining().map(Duration::toMillis).orElse(-1L) + " ms of budget, needs " + ms
                    + " ms");
            Consumer<String> stopped = why -> out.println(
                    "server: " + GoContextHttp.requestId(ctx) + " stopped after " + elapsedMs(start) + " ms: " + why);
            return GoContext.deadlineOf(Mono.delay(Duration.ofMillis(ms)))
                    .thenReturn("EUR/USD 1.17")
                    .doOnError(e -> stopped.accept(e.getMessage())) // its own deadline, from X-Request-Timeout
                    .doOnCancel(() -> stopped.accept("the client went away")); // or the client gave up first
        });
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
