package dev.gocontext.samples.examples;

import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.propagation.GoContextThreadLocalAccessor;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;

/**
 * Request-id middleware and tracing through logs. Guide ({@code docs/GUIDE.md}): chapter 8, "Web
 * request handling, end to end".
 *
 * <p>The middleware ({@code GoContextHttpServer.handler}, the Reactor Netty twin of the service's
 * WebFilter) puts the request id into the request ctx: the caller's {@code X-Request-ID}, or a
 * generated one. The handler hops from the event loop to {@code boundedElastic} and to {@code
 * parallel}; with Reactor's automatic context propagation, gocontext's thread-local accessor puts
 * the id into SLF4J's MDC on every thread, so each log line of a request carries its id, without
 * passing it around. Key line: {@code [boundedElastic-N] requestId=order-17 inventory checked}.
 *
 * <pre>{@code ./demo.sh example tracing}</pre>
 */
public final class RequestTracingExample {
    private static final Logger log = LoggerFactory.getLogger(RequestTracingExample.class);

    private RequestTracingExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) {
        // ThreadLocalAccessors (gocontext's is found through its service entry) now follow every
        // subscription across threads; Spring Boot does the same with spring.reactor.context-propagation=auto.
        Hooks.enableAutomaticContextPropagation();
        DisposableServer server = LocalServer.start("/orders", request -> placeOrder(out));
        try {
            HttpClient client = HttpClient.create().baseUrl("http://127.0.0.1:" + server.port());
            for (Map<String, String> headers :
                    List.of(Map.of(GoContextHttp.REQUEST_ID, "order-17"), Map.<String, String>of())) {
                String id = client.headers(h -> headers.forEach(h::set))
                        .get()
                        .uri("/orders")
                        .responseSingle((response, body) -> body.asString()
                                .defaultIfEmpty("")
                                .map(ignored -> response.responseHeaders().get(GoContextHttp.REQUEST_ID)))
                        .block(Duration.ofSeconds(10));
                out.println("client: the answer's " + GoContextHttp.REQUEST_ID + " is " + id);
            }
        } finally {
            server.disposeNow(Duration.ofSeconds(5));
        }
    }

    /** The handler: three steps on three threads, each logging with the request id from the MDC. */
    private static Mono<String> placeOrder(PrintStream out) {
        return Mono.defer(() -> Mono.just(trace(out, "order received"))) // on the event loop
                .publishOn(Schedulers.boundedElastic())
                .map(ignored -> trace(out, "inventory checked"))
                .delayElement(Duration.ofMillis(10)) // continues on a parallel() thread
                .map(ignored -> trace(out, "payment authorized"));
    }

    private static String trace(PrintStream out, String step) {
        String requestId = MDC.get(GoContextThreadLocalAccessor.MDC_REQUEST_ID);
        log.info("{}", step); // the log pattern shows %X{requestId}
        out.printf("[%s] requestId=%s %s%n", Thread.currentThread().getName(), requestId, step);
        return step;
    }
}
