package dev.gocontext.samples.guide;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.Done;
import dev.gocontext.Key;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.Registration;
import dev.gocontext.TimeSource;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import dev.gocontext.reactor.http.OutboundPropagation;
import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RoutePolicy;
import dev.gocontext.reactor.netty.GoContextHttpClient;
import dev.gocontext.reactor.web.GoContextWebFilter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Every Java snippet of {@code docs/GUIDE.md} that is not taken from a program of {@code
 * dev.gocontext.samples.examples}, verbatim, so that the compiler checks them against the API;
 * {@link GuideTest} checks that the guide shows nothing that is not here or in a program, and runs
 * the snippets that can run on their own. The methods whose names start with {@code chapter} wrap
 * snippets that are statements; the other members are snippets as they are, and the helpers they
 * call are at the end.
 */
@SuppressWarnings({"unused", "try"})
class GuideSnippets {
    // chapter 1
    static void chapter1Timeout() throws InterruptedException {
        try (CancellableContext ctx = Context.background().withTimeout(Duration.ofMillis(300))) {
            boolean gaveUp = ctx.done().await(Duration.ofSeconds(5)); // the operation would take 5 s
            System.out.println(gaveUp ? "gave up: " + ctx.err().getMessage() : "finished in time");
        } // close() cancels the context: its timer is released at once
    }

    // chapter 2
    static void chapter2Tree() {
        CancellableContext request = Context.background().withCancel();
        CancellableContext db = request.withTimeout(Duration.ofSeconds(1));
        CancellableContext audit = request.withValue(USER, "alice").withCancel();

        db.cancel(); // done: db only
        assert request.err() == null && audit.err() == null;

        request.cancel(); // done: request, and every context below it
        assert audit.err() == Context.CANCELED;
        assert audit.value(USER).equals("alice"); // values stay readable after done
    }

    // chapter 3
    static String chapter3FetchWithin(Context parent, String url) {
        try (CancellableContext ctx = parent.withTimeout(Duration.ofMillis(200))) {
            return fetch(ctx, url);
        } // cancel()
    }

    static void chapter3Deadlines() {
        try (CancellableContext request = Context.background().withTimeout(Duration.ofSeconds(2));
                CancellableContext call = request.withTimeout(Duration.ofSeconds(30))) { // asks for 30 s
            assert call.deadline().equals(request.deadline()); // gets what is left of the request's 2 s
            assert call.remaining().orElseThrow().compareTo(Duration.ofSeconds(2)) <= 0;
        }
    }

    static long sum(Context ctx, Iterator<Long> numbers) {
        long sum = 0;
        while (numbers.hasNext()) {
            ContextException err = ctx.err();
            if (err != null) {
                throw err; // "context canceled" or "context deadline exceeded"
            }
            sum += numbers.next();
        }
        return sum;
    }

    static int statusFor(ContextException err) {
        return err == Context.DEADLINE_EXCEEDED ? 504 : 503;
    }

    static void chapter3ManualTime() {
        ManualTimeSource time = TimeSource.manual(Instant.parse("2026-01-01T00:00:00Z"));
        Context root = Context.background().withTimeSource(time);
        try (CancellableContext ctx = root.withTimeout(Duration.ofSeconds(3))) {
            time.advance(Duration.ofSeconds(2));
            assert ctx.err() == null;
            time.advance(Duration.ofSeconds(1)); // the timer fires here, on this thread
            assert ctx.err() == Context.DEADLINE_EXCEEDED;
        }
    }

    // chapter 4
    static final Key<String> TRACE_ID = Key.of("trace_id");
    static final Key<String> USER = Key.of("user");

    static void handle(Context ctx) {
        serviceA(ctx.withValue(TRACE_ID, "12345").withValue(USER, "alice"));
    }

    static void serviceA(Context ctx) {
        System.out.println("trace " + ctx.value(TRACE_ID) + " for " + ctx.value(USER));
    }

    // chapter 5
    static void chapter5Causes() {
        CancellableContext job = Context.background().withCancel();
        CancellableContext step =
                job.withTimeout(Duration.ofMinutes(1), new TimeoutException("step 2 took over a minute"));

        job.cancel(new IllegalStateException("disk quota exhausted"));

        assert step.err() == Context.CANCELED; // what happened: a cancel, not the step's deadline
        assert step.cause().getMessage().equals("disk quota exhausted"); // why
    }

    // chapter 6
    static long count(Context ctx, Statement statement) throws SQLException {
        Registration cancelOnDone = ctx.afterDone(() -> cancelQuietly(statement));
        try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM orders")) {
            rows.next();
            return rows.getLong(1);
        } finally {
            cancelOnDone.stop(); // the query is over: never cancel a later one
        }
    }

    // chapter 7
    static void leaky(Context parent) {
        CancellableContext ctx = parent.withTimeout(Duration.ofMinutes(5));
        startWorkers(ctx.done());
    } // ctx is never canceled

    // chapter 8
    @Bean
    GoContextWebFilter goContextWebFilter() {
        return new GoContextWebFilter(RequestContextFactory.builder()
                .maxTimeout(Duration.ofSeconds(60))
                .defaultTimeout(Duration.ofSeconds(30))
                .build());
    }

    static RequestContextFactory requestsWithRoutes() {
        return RequestContextFactory.builder()
                .defaultTimeout(Duration.ofSeconds(2))
                .route(RoutePolicy.path("/events").noDeadline().build())
                .route(RoutePolicy.path("/reports/**")
                        .methods("GET")
                        .maxTimeout(Duration.ofSeconds(60))
                        .build())
                .build();
    }

    @GetMapping("/report")
    Mono<String> report() {
        return GoContext.current()
                .flatMap(ctx -> GoContext.deadlineOf(reports.build(ctx))
                        .map(report -> report + " for request " + GoContextHttp.requestId(ctx)));
    }

    // chapter 9 (its JDBC method is JdbcQueryExample.queryLong, verbatim)
    static Mono<String> chapter9Rpc() {
        OutboundPropagation internal = OutboundPropagation.toHosts("prices.internal");
        HttpClient prices = GoContextHttpClient.propagation(internal).apply(HttpClient.create());
        Mono<String> eur = GoContext.deadlineOf(prices.get()
                .uri("http://prices.internal/eur")
                .responseContent()
                .aggregate()
                .asString());
        return eur;
    }

    // chapter 10
    static List<String> fetchAll(Context parent, List<String> urls, ExecutorService pool) throws Exception {
        try (CancellableContext ctx = parent.withCancel()) {
            List<Future<String>> pages = new ArrayList<>();
            for (String url : urls) {
                pages.add(pool.submit(() -> {
                    try {
                        return fetch(ctx, url);
                    } catch (Exception e) {
                        ctx.cancel(e); // the first failure stops the other calls, and says why
                        throw e;
                    }
                }));
            }
            List<String> results = new ArrayList<>();
            for (Future<String> page : pages) {
                results.add(page.get()); // fetch honours ctx: a failure ends every wait quickly
            }
            return results;
        }
    }

    // chapter 11
    class ReportService { // wrong: the first request's ctx governs every later call
        private final Context ctx;

        ReportService(Context ctx) {
            this.ctx = ctx;
        }
    }

    String build(Context ctx, String id) { // right: each call gets the ctx of its own request
        return fetch(ctx, "/reports/" + id);
    }

    static Mono<String> next(BlockingQueue<String> queue) {
        return GoContext.blocking(ctx -> queue.take()); // not queue.take() on the caller's thread
    }

    // ---- the helpers the snippets call

    /** What the chapter 8 handler calls: builds a report under the request's ctx. */
    interface Reports {
        Mono<String> build(Context ctx);
    }

    Reports reports = ctx -> Mono.just("report");

    /**
     * A stand-in for a remote call: {@code /broken} fails at once, {@code /slow} answers only when
     * its ctx is done (with {@code ctx.err()}), anything else answers at once.
     */
    static String fetch(Context ctx, String url) {
        if (url.endsWith("/broken")) {
            throw new IllegalStateException("no such page: " + url);
        }
        if (url.endsWith("/slow")) {
            try {
                ctx.done().await(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw ctx.err();
        }
        return "page " + url;
    }

    static void cancelQuietly(Statement statement) {
        try {
            statement.cancel();
        } catch (SQLException e) {
            // closed already: nothing left to cancel
        }
    }

    static void startWorkers(Done done) {
        // the chapter 7 leak is only compiled, never run
    }
}
