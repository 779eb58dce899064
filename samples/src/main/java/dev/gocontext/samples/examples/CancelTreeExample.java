package dev.gocontext.samples.examples;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.Key;
import dev.gocontext.ManualTimeSource;
import dev.gocontext.TimeSource;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The tree of cancelCtx, timerCtx and valueCtx. Guide ({@code docs/GUIDE.md}): chapter 2, "The
 * tree".
 *
 * <p>Builds {@code background → cancelCtx → (timerCtx → valueCtx → cancelCtx, valueCtx →
 * cancelCtx)}, prints each node in Go's {@code String()} form, then first lets a timer fire under a
 * test clock (only the timer's subtree is done), then cancels the root with a cause: every
 * descendant reports {@code err()} and {@code cause()}. Key line: {@code all 6 of 6 descendants
 * done, by cause: {context deadline exceeded=3, shutdown requested=3}}.
 *
 * <pre>{@code ./demo.sh example tree}</pre>
 */
public final class CancelTreeExample {
    static final Key<String> TENANT = Key.of("tenant");

    private CancelTreeExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) {
        // A clock the program moves by hand, so the timer below fires exactly when we say.
        ManualTimeSource clock = TimeSource.manual(Instant.parse("2026-01-01T00:00:00Z"));
        CancellableContext root = Context.background().withTimeSource(clock).withCancel();

        Map<String, Context> tree = new LinkedHashMap<>();
        CancellableContext timer = root.withTimeout(Duration.ofSeconds(2));
        Context timerValue = timer.withValue(TENANT, "acme");
        CancellableContext timerLeaf = timerValue.withCancel();
        Context value = root.withValue(TENANT, "globex");
        CancellableContext valueLeaf = value.withCancel();
        CancellableContext sibling = root.withTimeout(Duration.ofMinutes(1));
        tree.put("timerCtx        ", timer);
        tree.put("  valueCtx      ", timerValue);
        tree.put("    cancelCtx   ", timerLeaf);
        tree.put("valueCtx        ", value);
        tree.put("  cancelCtx     ", valueLeaf);
        tree.put("timerCtx (1 min)", sibling);

        String rootName = root.toString();
        out.println("root: " + rootName);
        // Go's String() form of each node; the root's part is shown as "root"
        tree.forEach((name, ctx) ->
                out.println("  " + name + " root" + ctx.toString().substring(rootName.length())));

        clock.advance(Duration.ofSeconds(2));
        out.println("after 2 s on the test clock, the 2 s timer fired; its subtree only:");
        report(out, tree);

        root.cancel(new IllegalStateException("shutdown requested"));
        out.println("after root.cancel(new IllegalStateException(\"shutdown requested\")):");
        report(out, tree);
        Map<String, Long> byCause = tree.values().stream()
                .filter(ctx -> ctx.err() != null)
                .collect(Collectors.groupingBy(ctx -> message(ctx.cause()), TreeMap::new, Collectors.counting()));
        long done = byCause.values().stream().mapToLong(Long::longValue).sum();
        out.println("root: err=" + message(root.err()) + ", cause=" + message(root.cause()));
        out.println((done == tree.size() ? "all " : "only ") + done + " of " + tree.size()
                + " descendants done, by cause: " + byCause);
        // Every cancellable context is canceled by now (by its parent); close() is then a no-op,
        // but it is the habit to keep: defer cancel().
        timer.close();
        timerLeaf.close();
        valueLeaf.close();
        sibling.close();
    }

    private static void report(PrintStream out, Map<String, Context> tree) {
        tree.forEach((name, ctx) ->
                out.println("  " + name + " err=" + message(ctx.err()) + ", cause=" + message(ctx.cause())));
    }

    private static String message(Throwable t) {
        return t == null ? "null" : t.getMessage();
    }
}
