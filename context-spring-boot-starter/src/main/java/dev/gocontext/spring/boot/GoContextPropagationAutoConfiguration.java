package dev.gocontext.spring.boot;

import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.propagation.GoContextThreadLocalAccessor;
import io.micrometer.context.ContextRegistry;
import java.util.Locale;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.core.env.Environment;
import reactor.core.publisher.Hooks;

/**
 * Makes the request ctx visible to imperative code and in the logs: the {@link
 * GoContextThreadLocalAccessor} is registered with Micrometer's {@code ContextRegistry}, and
 * Reactor's automatic context propagation is enabled, so {@code ThreadLocalContext.current()}
 * returns the request ctx and SLF4J's MDC has its {@value GoContextThreadLocalAccessor#MDC_REQUEST_ID}
 * on every thread the request runs on. Applies when {@code io.micrometer:context-propagation} is on
 * the class path.
 *
 * <p>An application that sets {@code spring.reactor.context-propagation} itself keeps its choice:
 * with {@code limited}, automatic propagation stays off (the accessor still serves {@code
 * contextCapture()}, {@code handle} and {@code tap}).
 *
 * <pre>{@code
 * logging.pattern.level=%5p [%X{requestId:-}]   # the request id in every log line
 * }</pre>
 */
@AutoConfiguration
@ConditionalOnClass({ContextRegistry.class, GoContextThreadLocalAccessor.class})
public final class GoContextPropagationAutoConfiguration {
    /** Boot's own switch for Reactor's automatic context propagation. */
    static final String REACTOR_PROPAGATION = "spring.reactor.context-propagation";

    GoContextPropagationAutoConfiguration(Environment environment) {
        ContextRegistry registry = ContextRegistry.getInstance();
        boolean registered = registry.getThreadLocalAccessors().stream()
                .anyMatch(accessor -> GoContext.CONTEXT_KEY.equals(accessor.key()));
        if (!registered) {
            registry.registerThreadLocalAccessor(new GoContextThreadLocalAccessor());
        }
        String mode = environment.getProperty(REACTOR_PROPAGATION);
        if (mode == null || mode.trim().toLowerCase(Locale.ROOT).equals("auto")) {
            Hooks.enableAutomaticContextPropagation();
        }
    }
}
