/**
 * The thread-local bridge (optional dependencies {@code io.micrometer:context-propagation}, {@code
 * slf4j-api}): with {@code Hooks.enableAutomaticContextPropagation()}, imperative code called from a
 * pipeline sees the pipeline's ctx through {@link
 * dev.gocontext.reactor.propagation.ThreadLocalContext#current()}, and SLF4J's MDC has its request
 * id.
 *
 * <pre>{@code
 * Hooks.enableAutomaticContextPropagation();
 * }</pre>
 */
@NullMarked
package dev.gocontext.reactor.propagation;

import org.jspecify.annotations.NullMarked;
