package dev.gocontext.reactor.propagation;

import dev.gocontext.Context;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.GoContextHttp;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer context-propagation's bridge between the ctx in a Reactor context (key {@link
 * GoContext#CONTEXT_KEY}) and the current thread: {@link ThreadLocalContext#current()} and, when
 * SLF4J is on the class path, the MDC entry {@value #MDC_REQUEST_ID} with the ctx's request id.
 *
 * <p>It is registered with {@code ContextRegistry.getInstance()} automatically (a {@code
 * ServiceLoader} entry), so enabling Reactor's automatic propagation is all it takes:
 *
 * <pre>{@code
 * Hooks.enableAutomaticContextPropagation();
 * GoContext.current()
 *         .publishOn(Schedulers.boundedElastic())
 *         .map(ignored -> MDC.get("requestId"))   // the request id of the ctx below
 *         .contextWrite(GoContext.with(requestCtx));
 * }</pre>
 */
public final class GoContextThreadLocalAccessor implements ThreadLocalAccessor<Context> {
    /** The MDC key of the request id. */
    public static final String MDC_REQUEST_ID = "requestId";

    private static final boolean MDC_PRESENT = classPresent("org.slf4j.MDC");

    /** The accessor; context-propagation creates it through its service entry. */
    public GoContextThreadLocalAccessor() {}

    @Override
    public Object key() {
        return GoContext.CONTEXT_KEY;
    }

    @Override
    public @Nullable Context getValue() {
        return ThreadLocalContext.get();
    }

    @Override
    public void setValue(Context ctx) {
        Objects.requireNonNull(ctx, "ctx");
        ThreadLocalContext.set(ctx);
        if (MDC_PRESENT) {
            Mdc.putRequestId(GoContextHttp.requestId(ctx));
        }
    }

    @Override
    public void setValue() {
        ThreadLocalContext.clear();
        if (MDC_PRESENT) {
            Mdc.putRequestId(null);
        }
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, GoContextThreadLocalAccessor.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Touches SLF4J only when it is present (this class is not loaded otherwise). */
    private static final class Mdc {
        static void putRequestId(@Nullable String requestId) {
            if (requestId != null && GoContextHttp.isSafeRequestId(requestId)) {
                org.slf4j.MDC.put(MDC_REQUEST_ID, requestId);
            } else {
                org.slf4j.MDC.remove(MDC_REQUEST_ID);
            }
        }
    }
}
