package dev.gocontext.samples.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * The code of {@code docs/GUIDE.md} is real: every Java block of the guide is in {@link
 * GuideSnippets} (which the build compiles), and the snippets that can run on their own run here,
 * with Java assertions enabled (Surefire's default), so their {@code assert} lines are checked.
 */
class GuideTest {
    private static final Path GUIDE = Path.of("..", "docs", "GUIDE.md");
    private static final Path SNIPPETS = Path.of("src/test/java/dev/gocontext/samples/guide/GuideSnippets.java");
    private static final Path PROGRAMS = Path.of("src/main/java/dev/gocontext/samples/examples");
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void everyJavaBlockOfTheGuideIsCompiledInGuideSnippetsOrAProgram() throws IOException {
        StringBuilder code = new StringBuilder(Files.readString(SNIPPETS, StandardCharsets.UTF_8));
        try (Stream<Path> programs = Files.list(PROGRAMS)) {
            for (Path program : programs.sorted().toList()) {
                code.append(Files.readString(program, StandardCharsets.UTF_8));
            }
        }
        String snippets = withoutWhitespace(code.toString());
        List<String> blocks = javaBlocks(Files.readString(GUIDE, StandardCharsets.UTF_8));
        assertThat(blocks).as("java blocks of the guide").hasSizeGreaterThan(10);
        List<String> missing = new ArrayList<>();
        for (String block : blocks) {
            if (!snippets.contains(withoutWhitespace(block))) {
                missing.add(block);
            }
        }
        assertThat(missing)
                .as("blocks of docs/GUIDE.md that neither GuideSnippets.java nor a program holds verbatim")
                .isEmpty();
    }

    @Test
    void theRoutesSnippetGivesStreamsNoDeadlineAndReportsTheirOwnClamp() {
        var routes = GuideSnippets.requestsWithRoutes().routes();
        assertThat(routes).hasSize(2);
        assertThat(routes.get(0).matches("GET", "/events")).isTrue();
        assertThat(routes.get(0).deadline()).isFalse();
        assertThat(routes.get(1).matches("GET", "/reports/2026/q3")).isTrue();
        assertThat(routes.get(1).matches("POST", "/reports/2026/q3")).isFalse();
        assertThat(routes.get(1).maxTimeout()).contains(Duration.ofSeconds(60));
    }

    @Test
    void assertionsAreEnabled() {
        boolean enabled = false;
        assert enabled = true;
        assertThat(enabled).as("java -ea: the snippets' assert lines run").isTrue();
    }

    @Test
    void theStatementSnippetsHoldWhatTheySay() throws Exception {
        GuideSnippets.chapter1Timeout();
        GuideSnippets.chapter2Tree();
        GuideSnippets.chapter3Deadlines();
        GuideSnippets.chapter3ManualTime();
        GuideSnippets.chapter5Causes();
        GuideSnippets.handle(Context.background());
        assertThat(GuideSnippets.chapter3FetchWithin(Context.background(), "/a"))
                .isEqualTo("page /a");
    }

    @Test
    void aLoopStopsAtItsContext() {
        assertThat(GuideSnippets.sum(Context.background(), List.of(1L, 2L, 3L).iterator()))
                .isEqualTo(6);
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThatThrownBy(() -> GuideSnippets.sum(ctx, List.of(1L).iterator())).isSameAs(Context.CANCELED);
        assertThat(GuideSnippets.statusFor(Context.DEADLINE_EXCEEDED)).isEqualTo(504);
        assertThat(GuideSnippets.statusFor(Context.CANCELED)).isEqualTo(503);
    }

    @Test
    void theAfterDoneSnippetCountsRows() throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:h2:mem:guide", "sa", "");
                Statement statement = db.createStatement();
                CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(30))) {
            statement.execute("CREATE TABLE orders(id INT)");
            statement.execute("INSERT INTO orders VALUES (1), (2)");
            assertThat(GuideSnippets.count(ctx, statement)).isEqualTo(2);
        }
    }

    @Test
    void theFirstFailureCancelsTheOtherCalls() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            assertThat(GuideSnippets.fetchAll(Context.background(), List.of("/a", "/b"), pool))
                    .containsExactly("page /a", "page /b");
            // "/slow" answers only when its ctx is done: "/broken" must cancel it
            assertThatThrownBy(
                            () -> GuideSnippets.fetchAll(Context.background(), List.of("/a", "/slow", "/broken"), pool))
                    .isInstanceOf(ExecutionException.class)
                    .hasCause(Context.CANCELED);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();
        }
    }

    @Test
    void theHandlerAnswersUnderTheRequestContext() {
        GuideSnippets snippets = new GuideSnippets();
        assertThat(snippets.goContextWebFilter()).isNotNull();
        Context request = Context.background().withValue(GoContextHttp.REQUEST_ID_KEY, "abc");
        StepVerifier.create(snippets.report().contextWrite(GoContext.with(request)))
                .expectNext("report for request abc")
                .expectComplete()
                .verify(PATIENCE);
        assertThat(snippets.build(Context.background(), "7")).isEqualTo("page /reports/7");
    }

    @Test
    void aBlockingTakeEndsWithItsContext() {
        LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>(List.of("first"));
        try (CancellableContext ctx = Context.background().withCancel()) {
            StepVerifier.create(GuideSnippets.next(queue).contextWrite(GoContext.with(ctx)))
                    .expectNext("first")
                    .expectComplete()
                    .verify(PATIENCE);
            StepVerifier.create(GuideSnippets.next(queue).contextWrite(GoContext.with(ctx)))
                    .expectSubscription()
                    .then(ctx::cancel) // the queue is empty: only the ctx can end the take
                    .expectErrorSatisfies(e -> assertThat(e).isSameAs(Context.CANCELED))
                    .verify(PATIENCE);
        }
    }

    private static List<String> javaBlocks(String markdown) {
        Matcher m = Pattern.compile("(?ms)^```java\\n(.*?)^```").matcher(markdown);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    private static String withoutWhitespace(String text) {
        return text.replaceAll("\\s+", "");
    }
}
