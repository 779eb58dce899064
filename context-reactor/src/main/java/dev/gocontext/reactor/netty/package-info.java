/**
 * Reactor Netty adapters of gocontext's HTTP conventions (optional dependency {@code
 * io.projectreactor.netty:reactor-netty-http}): {@link
 * dev.gocontext.reactor.netty.GoContextHttpServer} gives each request its ctx, {@link
 * dev.gocontext.reactor.netty.GoContextHttpClient} carries a ctx to the servers called, {@link
 * dev.gocontext.reactor.netty.EventLoopCancel} runs a call's cancel on its connection's event loop.
 *
 * <pre>{@code
 * HttpServer.create().handle(GoContextHttpServer.handler(RequestContextFactory.withDefaults(), handler));
 * }</pre>
 */
@NullMarked
package dev.gocontext.reactor.netty;

import org.jspecify.annotations.NullMarked;
