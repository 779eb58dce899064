package dev.gocontext.samples.examples;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * The runnable programs of the design notes, by name: {@code ./demo.sh example NAME} (or {@code
 * java -jar samples/target/context-samples.jar example NAME}) runs one; without a name, lists them.
 */
public final class Examples {
    /** A program, the scenario of the issue it implements and the sections of the notes it covers. */
    record Entry(String name, int scenario, String sections, String summary, Example program) {}

    static final List<Entry> ALL = List.of(
            new Entry("timeout", 1, "1, 2.5", "a 300 ms timeout beats a 500 ms operation", TimeoutExample::run),
            new Entry("values", 2, "2.2, 4.3, 4.4", "trace_id and user down three layers", ValueChainExample::run),
            new Entry(
                    "tree",
                    3,
                    "2.1, 2.3",
                    "cancelCtx/timerCtx/valueCtx tree, each reports why",
                    CancelTreeExample::run),
            new Entry("leak", 4, "2.4, 4.3", "forgotten cancel() found by the leak counter", LeakExample::run),
            new Entry("jdbc", 5, "3.2", "a blocking JDBC query on H2 bounded by the ctx", JdbcQueryExample::run),
            new Entry("rpc", 6, "3.2", "an RPC with a deadline over Reactor Netty", RpcDeadlineExample::run),
            new Entry("grpc", 6, "3.2", "the RPC over gRPC: HTTP -> gRPC -> HTTP, one ctx", GrpcDeadlineExample::run),
            new Entry(
                    "tracing",
                    7,
                    "3.1, 3.3",
                    "request-id middleware, the id in every log line",
                    RequestTracingExample::run),
            new Entry("pool", 8, "4.2", "a worker pool bound to a ctx, no thread left", WorkerPoolExample::run),
            new Entry("cascade", 9, "4.1", "a task tree canceled level by level, with causes", TaskTreeExample::run));

    private Examples() {}

    /**
     * Runs the program named by {@code args[0]}, or lists the programs.
     *
     * @return the process exit code: 0 when a program ran or the list was asked for, 2 for an
     *     unknown name
     */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) {
            list(out);
            return 0;
        }
        Optional<Entry> entry = find(args[0]);
        if (entry.isEmpty()) {
            err.println("unknown example: " + args[0]);
            list(err);
            return 2;
        }
        entry.get().program().run(out);
        return 0;
    }

    static Optional<Entry> find(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    private static void list(PrintStream out) {
        out.println("usage: ./demo.sh example NAME");
        for (Entry e : ALL) {
            out.printf("  %-9s scenario %d (notes %s): %s%n", e.name(), e.scenario(), e.sections(), e.summary());
        }
    }
}
