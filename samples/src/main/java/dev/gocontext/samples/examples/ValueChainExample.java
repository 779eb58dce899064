package dev.gocontext.samples.examples;

import dev.gocontext.Context;
import dev.gocontext.Key;
import java.io.PrintStream;

/**
 * Request-scoped values down a call chain. Guide ({@code docs/GUIDE.md}): chapter 4, "Values, and
 * what not to put in them".
 *
 * <p>Go's {@code ctx = context.WithValue(ctx, "trace_id", "12345"); ctx = context.WithValue(ctx,
 * "user", "alice")} travels Service A → Service B → Service C → Database; every layer reads what it
 * needs with {@code ctx.value(key)}. Contexts are immutable: a value that layer B adds is seen by
 * C and the database, never by A. The context is passed as a parameter at every call, not kept in
 * a field, and the advice for many values, one record under one key instead of a deep chain of
 * values, is shown last. Key line: {@code database: trace_id=12345 user=alice}.
 *
 * <pre>{@code ./demo.sh example values}</pre>
 */
public final class ValueChainExample {
    /** Typed keys with identity: no other package can collide with them, unlike Go's string keys. */
    static final Key<String> TRACE_ID = Key.of("trace_id");

    static final Key<String> USER = Key.of("user");
    static final Key<String> CALLER = Key.of("caller");

    /** One key for a flat record instead of many layers of values. */
    record RequestInfo(String traceId, String user, String source) {}

    static final Key<RequestInfo> REQUEST_INFO = Key.of("request_info");

    private ValueChainExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) {
        Context ctx = Context.background().withValue(TRACE_ID, "12345").withValue(USER, "alice");
        out.println("ctx: " + ctx);
        serviceA(out, ctx);

        out.println("many values: one record under one key:");
        Context flat = Context.background().withValue(REQUEST_INFO, new RequestInfo("67890", "bob", "mobile"));
        RequestInfo info = flat.value(REQUEST_INFO);
        out.println("  one lookup: trace_id=" + info.traceId() + " user=" + info.user() + " source=" + info.source());
    }

    static void serviceA(PrintStream out, Context ctx) {
        out.println("service A: trace_id=" + ctx.value(TRACE_ID) + " user=" + ctx.value(USER));
        serviceB(out, ctx);
        // B's value lives in B's child context only
        out.println("service A after the call: caller=" + ctx.value(CALLER) + " (B's value is not visible here)");
    }

    static void serviceB(PrintStream out, Context ctx) {
        out.println("service B: trace_id=" + ctx.value(TRACE_ID) + " user=" + ctx.value(USER));
        serviceC(out, ctx.withValue(CALLER, "service B"));
    }

    static void serviceC(PrintStream out, Context ctx) {
        out.println("service C: trace_id=" + ctx.value(TRACE_ID) + " user=" + ctx.value(USER) + " caller="
                + ctx.value(CALLER));
        database(out, ctx);
    }

    static void database(PrintStream out, Context ctx) {
        out.println("database: trace_id=" + ctx.value(TRACE_ID) + " user=" + ctx.value(USER));
    }
}
