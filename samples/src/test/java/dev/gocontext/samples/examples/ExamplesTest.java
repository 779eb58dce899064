package dev.gocontext.samples.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs every program of the design notes and checks the line that shows its point. */
class ExamplesTest {
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
    void programPrintsItsKeyLines(String name, List<String> keyLines) throws Exception {
        String output = run(name);
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
    void withoutANameTheProgramsAreListed() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Examples.run(new String[0], new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("usage: ./demo.sh example NAME")
                .contains("timeout   scenario 1");
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

    static String run(String name) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Examples.run(new String[] {name}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String output = out.toString(StandardCharsets.UTF_8);
        System.out.println("---- example " + name + "\n" + output);
        assertThat(code).as(output).isZero();
        return output;
    }
}
