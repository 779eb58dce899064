package dev.gocontext.samples.examples;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * The runnable programs of the guide ({@code docs/GUIDE.md}), by name: {@code ./demo.sh example
 * NAME} (or {@code java -jar samples/target/context-samples.jar example NAME}) runs one; without a
 * name, lists them with the chapter of the guide each one belongs to.
 */
public final class Examples {
    /**
     * A program: its name, the number of the guide's chapter that explains it (a {@code ## N.}
     * heading of {@code docs/GUIDE.md}), what it shows, and the program itself.
     */
    record Entry(String name, int chapter, String summary, Example program) {}

    static final List<Entry> ALL = List.of(
            new Entry("timeout", 3, "a 300 ms timeout beats a 5 s operation", TimeoutExample::run),
            new Entry("values", 4, "trace_id and user down three layers", ValueChainExample::run),
            new Entry("tree", 2, "cancelCtx/timerCtx/valueCtx tree, each reports why", CancelTreeExample::run),
            new Entry("leak", 7, "forgotten cancel() found by the leak counter", LeakExample::run),
            new Entry("jdbc", 9, "a blocking JDBC query on H2 bounded by the ctx", JdbcQueryExample::run),
            new Entry("rpc", 9, "an RPC with a deadline over Reactor Netty", RpcDeadlineExample::run),
            new Entry("grpc", 9, "the RPC over gRPC: HTTP -> gRPC -> HTTP, one ctx", GrpcDeadlineExample::run),
            new Entry("tracing", 8, "request-id middleware, the id in every log line", RequestTracingExample::run),
            new Entry("pool", 10, "a worker pool bound to a ctx, no thread left", WorkerPoolExample::run),
            new Entry("cascade", 5, "a task tree canceled level by level, with causes", TaskTreeExample::run));

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
        out.println("usage: ./demo.sh example NAME    (each is explained in docs/GUIDE.md, chapter N)");
        for (Entry e : ALL) {
            out.printf("  %-9s chapter %-2d %s%n", e.name(), e.chapter(), e.summary());
        }
    }
}
