/**
 * Binds Project Reactor pipelines to gocontext contexts: {@link dev.gocontext.reactor.GoContext}
 * carries a ctx in the Reactor context and makes subscriptions obey it; {@link
 * dev.gocontext.reactor.GoContextMetrics} publishes Micrometer meters; {@link
 * dev.gocontext.reactor.SchedulerTimeSource} lets Reactor's virtual time drive ctx deadlines.
 *
 * <pre>{@code
 * try (CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(2))) {
 *     GoContext.deadlineOf(service.call()).contextWrite(GoContext.with(ctx)).block();
 * }
 * }</pre>
 */
@NullMarked
package dev.gocontext.reactor;

import org.jspecify.annotations.NullMarked;
