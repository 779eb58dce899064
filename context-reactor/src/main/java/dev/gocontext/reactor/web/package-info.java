/**
 * Spring WebFlux adapters of gocontext's HTTP conventions (optional dependencies {@code
 * spring-web}, {@code spring-webflux}): {@link dev.gocontext.reactor.web.GoContextWebFilter} gives
 * each request its ctx, {@link dev.gocontext.reactor.web.GoContextExchangeFilter} carries a ctx to
 * the servers a {@code WebClient} calls.
 *
 * <pre>{@code
 * WebClient.builder().filter(new GoContextExchangeFilter(OutboundPropagation.toHosts("api.internal")));
 * }</pre>
 */
@NullMarked
package dev.gocontext.reactor.web;

import org.jspecify.annotations.NullMarked;
