package dev.gocontext.samples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.ContextStats;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Chains that run out of budget on the way are no errors of the service: a burst of {@value
 * #REQUESTS} {@code /chain?hops=2} requests, {@value #IN_FLIGHT} at a time, each with 0 to 10 ms of
 * work per hop and a budget of 5 to 40 ms (most of them end at some hop's deadline: a {@code 504},
 * or a connection cut when the deadline passed during a response), over HTTP/1.1 hops, makes the
 * service log no WARN or ERROR and drop no error to {@code onErrorDropped}; every answer is a
 * {@code 200}, a {@code 504}, or a cut connection, and the request contexts are all ended
 * afterwards. Seeded: {@code -Dgocontext.seed=} replays the requests' budgets.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"samples.chain.protocol=http11", "logging.level.dev.gocontext.samples.db=WARN"})
class ChainBudgetBurstTest {
    static final int REQUESTS = 600;
    static final int IN_FLIGHT = 48;
    private static final Duration WAIT = Duration.ofMinutes(1);
    private static final String CLIENT_THREADS = "burst-client";
    private static final int CUT = -1;

    @LocalServerPort
    int port;

    private LoopResources loops;
    private ConnectionProvider connections;
    private HttpClient client;

    @BeforeEach
    void client() {
        // the test's own client on threads of its own, so that what it logs is not counted as the service's
        loops = LoopResources.create(CLIENT_THREADS, 1, true);
        connections = ConnectionProvider.create(CLIENT_THREADS, IN_FLIGHT);
        client = HttpClient.create(connections).runOn(loops).baseUrl("http://127.0.0.1:" + port);
    }

    @AfterEach
    void closeClient() {
        connections.disposeLater().block(WAIT);
        loops.disposeLater().block(WAIT);
    }

    @Test
    void chainsThatRunOutOfBudgetOnTheWayLogNothingAndDropNothing() {
        long seed = Long.getLong("gocontext.seed", System.nanoTime());
        Random random = new Random(seed);
        int[] workMs = new int[REQUESTS];
        int[] budgetMs = new int[REQUESTS];
        for (int i = 0; i < REQUESTS; i++) {
            workMs[i] = random.nextInt(11);
            budgetMs[i] = 5 + random.nextInt(36);
        }
        long activeBefore = ContextStats.global().active();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        try (LogEvents log = LogEvents.record(event -> !event.getThreadName().startsWith(CLIENT_THREADS))) {
            try {
                Flux.range(0, REQUESTS)
                        .flatMap(i -> chain(workMs[i], budgetMs[i]), IN_FLIGHT)
                        .doOnNext(status -> statuses.computeIfAbsent(status, s -> new AtomicLong())
                                .incrementAndGet())
                        .blockLast(WAIT);
            } catch (IllegalStateException timeout) {
                throw new AssertionError(
                        String.format(
                                "seed %d: the burst did not end within %s; answered so far %s, contexts active %d"
                                        + " (before: %d); the threads that serve and call:%n%s",
                                seed, WAIT, statuses, ContextStats.global().active(), activeBefore, nettyThreads()),
                        timeout);
            }
            await("every request context ended")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> ContextStats.global().active() <= activeBefore);

            assertThat(statuses.keySet())
                    .as("seed %d: statuses %s", seed, statuses)
                    .isSubsetOf(200, 504, CUT)
                    .contains(504);
            assertThat(log.events())
                    .as("seed %d: WARN and ERROR logged by the service", seed)
                    .isEmpty();
            assertThat(log.dropped())
                    .as(
                            "seed %d: errors dropped to onErrorDropped, with their whole traces:%n%s",
                            seed, LogEvents.traces(log.dropped()))
                    .isEmpty();
        }
    }

    /** The stacks of Reactor Netty's and Reactor's threads: where a burst that does not end is stuck. */
    private static String nettyThreads() {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().contains("http") || thread.getName().startsWith("parallel")) {
                out.append(thread.getName())
                        .append(' ')
                        .append(thread.getState())
                        .append('\n');
                for (StackTraceElement frame : stack) {
                    out.append("    at ").append(frame).append('\n');
                }
            }
        });
        return out.toString();
    }

    /** One chain of two hops: its status, or {@link #CUT} if the connection was closed before an answer. */
    private Mono<Integer> chain(int workMs, int budgetMs) {
        return client.headers(h -> h.set("X-Request-Timeout", Integer.toString(budgetMs)))
                .get()
                .uri("/chain?hops=2&ms=" + workMs)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(text -> response.status().code()))
                .onErrorResume(e -> Mono.just(CUT));
    }
}
