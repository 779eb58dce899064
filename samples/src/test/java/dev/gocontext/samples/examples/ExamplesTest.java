package dev.gocontext.samples.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gocontext.samples.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every program of the guide as {@code ./demo.sh example NAME} does, in a JVM of its own, and
 * checks the lines that show its point.
 *
 * <p>A JVM per program, because the programs change process-wide state (the leak detection level,
 * Reactor's automatic context propagation) and count process-wide figures (contexts leaked,
 * statements canceled in the database) that the service tests of this module, which share this
 * test JVM and its Spring application, would otherwise disturb and be disturbed by.
 *
 * <p>No key line depends on how fast the machine is: where a program races a deadline against
 * work, the side that must win has seconds of margin, and the cancel of the {@code jdbc} program
 * waits for the statement to be running.
 */
class ExamplesTest {
    /** The bound on one program's run, JVM start included; a program that takes longer has hung. */
    private static final long RUN_LIMIT_SECONDS = 90;

    /** The lines each program must print, as regular expressions matched against whole lines. */
    static Stream<Arguments> keyLines() {
        return Stream.of(
                Arguments.of(
                        "timeout",
                        List.of(
                                "  gave up early: context deadline exceeded \\(after \\d+ ms\\)",
                                "  operation completed \\(after \\d+ ms\\), ctx.err\\(\\) = null")),
                Arguments.of(
                        "values",
                        List.of("database: trace_id=12345 user=alice", "service A after the call: caller=null .*")),
                Arguments.of(
                        "tree",
                        List.of("all 6 of 6 descendants done, by cause: "
                                + "\\{context deadline exceeded=3, shutdown requested=3}")),
                Arguments.of(
                        "leak",
                        List.of(
                                "leaky: 1 context leaked; 10 of 10 workers still blocked on <-ctx.Done\\(\\)",
                                "fixed: 0 contexts leaked; 0 workers left")),
                Arguments.of(
                        "jdbc",
                        List.of(
                                "in time: SLEEP_MS\\(50\\) returned 50 after \\d+ ms",
                                "deadline: query stopped after \\d+ ms: context deadline exceeded",
                                "cancel: query stopped after \\d+ ms: context canceled",
                                "statements canceled inside the database: 2")),
                Arguments.of(
                        "rpc",
                        List.of(
                                "server: rpc-slow arrived with \\d+ ms of budget, needs 1000 ms",
                                "client: slow call failed after \\d+ ms: context deadline exceeded",
                                "server: rpc-slow stopped after \\d+ ms: (context deadline exceeded|the client went away)",
                                "client: fast call answered 'EUR/USD 1.17' after \\d+ ms")),
                Arguments.of(
                        "grpc",
                        List.of(
                                "middle \\(gRPC\\): grpc-demo-1 arrived with \\d+ ms of budget",
                                "the budget shrank at every hop: \\[.*\\], request id grpc-demo-1 at every hop",
                                "client: grpc-demo-1 answered 200 'EUR/USD 1.17' after \\d+ ms",
                                "client: grpc-demo-2 answered 504 '.*' after \\d+ ms",
                                "middle \\(gRPC\\): grpc-demo-3 ctx done after \\d+ ms: context canceled \\(call cancelled by the client\\)",
                                "back \\(HTTP\\): grpc-demo-3 stopped after \\d+ ms: the client went away")),
                Arguments.of(
                        "tracing",
                        List.of(
                                "\\[reactor-http-[a-z]+-\\d+\\] requestId=order-17 order received",
                                "\\[boundedElastic-\\d+\\] requestId=order-17 inventory checked",
                                "\\[parallel-\\d+\\] requestId=order-17 payment authorized",
                                "client: the answer's X-Request-ID is order-17",
                                "\\[parallel-\\d+\\] requestId=[0-9a-f]{32} payment authorized")),
                Arguments.of("pool", List.of("submit after cancel accepted: false", "worker threads left: 0")),
                Arguments.of(
                        "cascade",
                        List.of(
                                "  main/sub2/leaf2 +err=context canceled, cause=sub2 failed: disk quota exhausted",
                                "  main/sub1/leaf1 +err=context canceled, cause=main aborted by the user",
                                "7 of 7 tasks stopped, each knows why")));
    }

    @ParameterizedTest(name = "example {0}")
    @MethodSource("keyLines")
    void programPrintsItsKeyLines(String name, List<String> keyLines, @TempDir Path dir) throws Exception {
        String output = runInItsOwnJvm(name, dir);
        for (String keyLine : keyLines) {
            assertThat(output).containsPattern("(?m)^" + keyLine + "$");
        }
    }

    @Test
    void everyProgramHasAKeyLineTest() {
        Set<String> tested = keyLines().map(a -> (String) a.get()[0]).collect(Collectors.toSet());
        assertThat(tested)
                .containsExactlyInAnyOrderElementsOf(
                        Examples.ALL.stream().map(Examples.Entry::name).toList());
    }

    @Test
    void everyProgramIsLinkedFromItsChapterOfTheGuide() throws IOException {
        String guide = Files.readString(Path.of("..", "docs", "GUIDE.md"), StandardCharsets.UTF_8);
        for (Examples.Entry entry : Examples.ALL) {
            Matcher chapter = Pattern.compile("(?ms)^## " + entry.chapter() + "\\. .*?(?=^## |\\z)")
                    .matcher(guide);
            assertThat(chapter.find())
                    .as("docs/GUIDE.md has a chapter %d for example %s", entry.chapter(), entry.name())
                    .isTrue();
            assertThat(chapter.group())
                    .as("chapter %d of docs/GUIDE.md links its program", entry.chapter())
                    .contains("./demo.sh example " + entry.name());
        }
    }

    @Test
    void withoutANameTheProgramsAreListedWithTheirChapters() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Examples.run(new String[0], new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("usage: ./demo.sh example NAME")
                .containsPattern("(?m)^  timeout   chapter 3  a 300 ms timeout beats a 5 s operation$");
    }

    @Test
    void anUnknownNameFailsWithTheList() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Examples.run(new String[] {"nope"}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("unknown example: nope")
                .contains("cascade");
    }

    /**
     * Runs {@code java -cp <this test's class path> dev.gocontext.samples.Main example NAME}, the
     * command {@code demo.sh} runs from the jar, and returns what it printed on standard output.
     */
    static String runInItsOwnJvm(String name, Path dir) throws Exception {
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        java,
                        "-XX:TieredStopAtLevel=1", // starts faster; the programs are short
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "example",
                        name)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        process.getOutputStream().close(); // no input
        boolean exited = process.waitFor(RUN_LIMIT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        String errors = Files.readString(err, StandardCharsets.UTF_8);
        System.out.println("---- example " + name + "\n" + output);
        String report = "example " + name + "\nstdout:\n" + output + "\nstderr:\n" + errors;
        assertThat(exited)
                .as("exited within %d s: %s", RUN_LIMIT_SECONDS, report)
                .isTrue();
        assertThat(process.exitValue()).as(report).isZero();
        return output;
    }
}
