package dev.gocontext.reactor.propagation;

import dev.gocontext.Context;
import org.jspecify.annotations.Nullable;

/**
 * The ctx of the current thread, for imperative code called from a Reactor pipeline: with
 * Micrometer's context-propagation on the class path and {@code
 * Hooks.enableAutomaticContextPropagation()}, Reactor sets it from the subscription's Reactor
 * context (through {@link GoContextThreadLocalAccessor}) around every operator's user code.
 *
 * <pre>{@code
 * Hooks.enableAutomaticContextPropagation();   // once, at startup
 *
 * String legacyLookup(String key) {             // called from a map() in a request pipeline
 *     Context ctx = ThreadLocalContext.current();
 *     return repository.find(ctx, key);
 * }
 * }</pre>
 */
public final class ThreadLocalContext {
    private static final ThreadLocal<@Nullable Context> CURRENT = new ThreadLocal<>();

    private ThreadLocalContext() {}

    /** The ctx of this thread, or {@link Context#background()} if none is set. */
    public static Context current() {
        Context ctx = CURRENT.get();
        return ctx != null ? ctx : Context.background();
    }

    static @Nullable Context get() {
        return CURRENT.get();
    }

    static void set(Context ctx) {
        CURRENT.set(ctx);
    }

    static void clear() {
        CURRENT.remove();
    }
}
