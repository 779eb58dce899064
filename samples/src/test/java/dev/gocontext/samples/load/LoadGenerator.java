package dev.gocontext.samples.load;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Sends a bounded number of HTTP requests to a server on this machine with a fixed concurrency,
 * cycling through a list of request kinds, and counts how each kind ended: by status code, or
 * {@link #DISCONNECTED} when the client gave up and closed the connection on purpose.
 */
final class LoadGenerator implements AutoCloseable {
    /** The outcome of a request the client abandoned (it closed the connection before an answer). */
    static final int DISCONNECTED = -1;

    /** The outcome of a request that failed on the client side (connection refused, reset, ...). */
    static final int CLIENT_ERROR = -2;

    /** The outcome of an answer that carried another request's {@code X-Request-ID}. */
    static final int WRONG_REQUEST_ID = -3;

    /** The outcome of a request without an answer after {@link #NO_ANSWER_AFTER}. */
    static final int NO_ANSWER = -4;

    /** How long the client waits for any answer; every request's deadline is far shorter. */
    static final Duration NO_ANSWER_AFTER = Duration.ofSeconds(60);

    /** What one request does: its path, its {@code X-Request-Timeout}, and when the client gives up. */
    enum Kind {
        /** Completes within its deadline: expects 200. */
        WORK_OK("/work?ms=10", 5_000, null),
        DB_OK("/db?sleepMs=5", 5_000, null),
        /**
         * Its deadline passes first: expects 504. The work would take 10 s, so that a loaded runner
         * that runs the 30 ms deadline late still runs it first.
         */
        WORK_DEADLINE("/work?ms=10000", 30, null),
        DB_DEADLINE("/db?sleepMs=10000", 30, null),
        /**
         * The client disconnects after 30 ms: no answer; the server must cancel the work (which
         * would take 10 s, so that a client timer that a loaded runner fires late still fires
         * first).
         */
        WORK_DISCONNECT("/work?ms=10000", 20_000, Duration.ofMillis(30)),
        DB_DISCONNECT("/db?sleepMs=10000", 20_000, Duration.ofMillis(30));

        final String path;
        final long timeoutMs;
        final Duration giveUpAfter;

        Kind(String path, long timeoutMs, Duration giveUpAfter) {
            this.path = path;
            this.timeoutMs = timeoutMs;
            this.giveUpAfter = giveUpAfter;
        }
    }

    /**
     * The mix of a run, cycled: of every 20 requests, 14 complete (12 work, 2 database), 2 exceed
     * their deadline (1 work, 1 database), 4 disconnect (2 during work, 2 during a database
     * statement): 70% / 10% / 20%.
     */
    static final List<Kind> MIX = mix(Map.of(
            Kind.WORK_OK, 12,
            Kind.DB_OK, 2,
            Kind.WORK_DEADLINE, 1,
            Kind.DB_DEADLINE, 1,
            Kind.WORK_DISCONNECT, 2,
            Kind.DB_DISCONNECT, 2));

    /** The kinds spread evenly over one cycle, so that every stretch of the run has the same mix. */
    private static List<Kind> mix(Map<Kind, Integer> counts) {
        List<Kind> cycle = new ArrayList<>();
        Map<Kind, Integer> left = new EnumMap<>(counts);
        while (!left.isEmpty()) {
            for (Kind kind : Kind.values()) {
                Integer n = left.get(kind);
                if (n != null) {
                    cycle.add(kind);
                    if (n == 1) {
                        left.remove(kind);
                    } else {
                        left.put(kind, n - 1);
                    }
                }
            }
        }
        return List.copyOf(cycle);
    }

    private final HttpClient client;
    private final ConnectionProvider connections;
    private final int concurrency;

    LoadGenerator(int port, int concurrency) {
        this.concurrency = concurrency;
        this.connections = ConnectionProvider.builder("load-generator")
                .maxConnections(concurrency)
                .pendingAcquireMaxCount(-1)
                .build();
        this.client = HttpClient.create(connections).baseUrl("http://127.0.0.1:" + port);
    }

    /** The counts of one run. */
    static final class Figures {
        final Map<Kind, Map<Integer, LongAdder>> outcomes = new ConcurrentHashMap<>();
        final LongAdder requests = new LongAdder();
        final Map<Kind, LongAdder> latencyMs = new ConcurrentHashMap<>();
        /** The first few client errors, kind and exception, so that a failure says what they were. */
        final Queue<String> clientErrors = new ConcurrentLinkedQueue<>();

        long elapsedNanos;

        void clientError(Kind kind, Throwable error) {
            if (clientErrors.size() < 10) {
                clientErrors.add(kind + ": " + error);
            }
        }

        void record(Kind kind, int outcome, long ms) {
            requests.increment();
            latencyMs.computeIfAbsent(kind, k -> new LongAdder()).add(ms);
            outcomes.computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(outcome, o -> new LongAdder())
                    .increment();
        }

        /** Outcome (status code, DISCONNECTED, CLIENT_ERROR) to count, for one kind. */
        Map<Integer, Long> of(Kind kind) {
            Map<Integer, Long> counts = new TreeMap<>();
            outcomes.getOrDefault(kind, Map.of()).forEach((outcome, n) -> counts.put(outcome, n.sum()));
            return counts;
        }

        /** Outcome to count over all kinds. */
        Map<Integer, Long> total() {
            Map<Integer, Long> counts = new TreeMap<>();
            outcomes.values()
                    .forEach(byOutcome -> byOutcome.forEach((outcome, n) -> counts.merge(outcome, n.sum(), Long::sum)));
            return counts;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            long ms = Duration.ofNanos(elapsedNanos).toMillis();
            s.append(String.format(
                    "%d requests in %d ms (%.0f/s); outcomes (-1 client disconnected, -2 client error, -3 wrong id, -4 no answer): %s%n",
                    requests.sum(), ms, requests.sum() * 1000.0 / Math.max(1, ms), total()));
            Map<Kind, Map<Integer, Long>> byKind = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                if (outcomes.containsKey(kind)) {
                    byKind.put(kind, of(kind));
                }
            }
            byKind.forEach((kind, counts) -> {
                long n = counts.values().stream().mapToLong(Long::longValue).sum();
                long avg = latencyMs.get(kind).sum() / Math.max(1, n);
                s.append(String.format("  %-16s %s, mean %d ms%n", kind, counts, avg));
            });
            clientErrors.forEach(
                    error -> s.append("  client error: ").append(error).append('\n'));
            return s.toString();
        }
    }

    /** Sends {@code requests} requests of {@link #MIX}, {@code concurrency} at a time; waits for all. */
    Figures run(int requests, Duration patience) {
        Figures figures = new Figures();
        long start = System.nanoTime();
        Flux.range(0, requests)
                .flatMap(
                        i -> {
                            Kind kind = MIX.get(i % MIX.size());
                            long sent = System.nanoTime();
                            return send(kind, "load-" + i, figures)
                                    .doOnNext(outcome -> figures.record(
                                            kind,
                                            outcome,
                                            Duration.ofNanos(System.nanoTime() - sent)
                                                    .toMillis()));
                        },
                        concurrency)
                .then()
                .block(patience);
        figures.elapsedNanos = System.nanoTime() - start;
        return figures;
    }

    private Mono<Integer> send(Kind kind, String requestId, Figures figures) {
        Mono<Integer> status = client.headers(
                        h -> h.set("X-Request-Timeout", kind.timeoutMs).set("X-Request-ID", requestId))
                .get()
                .uri(kind.path)
                .responseSingle((response, body) -> body.asString()
                        .defaultIfEmpty("")
                        .map(ignored ->
                                requestId.equals(response.responseHeaders().get("X-Request-ID"))
                                        ? response.status().code()
                                        : WRONG_REQUEST_ID))
                .onErrorResume(e -> {
                    figures.clientError(kind, e);
                    return Mono.just(CLIENT_ERROR);
                });
        status = status.timeout(NO_ANSWER_AFTER, Mono.just(NO_ANSWER));
        if (kind.giveUpAfter != null) {
            // cancelling the exchange makes Reactor Netty close the connection: the server sees
            // the client go away in the middle of the request
            status = status.timeout(kind.giveUpAfter, Mono.just(DISCONNECTED));
        }
        return status;
    }

    static boolean isSuccess(int status) {
        return status == HttpResponseStatus.OK.code();
    }

    @Override
    public void close() {
        connections.disposeLater().block(Duration.ofSeconds(10));
    }
}
