/**
 * gocontext's HTTP conventions ({@code X-Request-Timeout}, {@code X-Request-ID}, {@code 400}/{@code
 * 504}), independent of any server or client library: {@link
 * dev.gocontext.reactor.http.RequestContextFactory} derives a request's ctx from its headers and its
 * {@link dev.gocontext.reactor.http.RoutePolicy route policies} (streams and routes without a
 * deadline included), {@link dev.gocontext.reactor.http.OutboundPropagation} derives the headers of
 * outgoing calls from a ctx, {@link dev.gocontext.reactor.http.ResponseClaim} settles which of a
 * handler and its deadline writes a response.
 * The adapters live in {@code dev.gocontext.reactor.netty} and {@code dev.gocontext.reactor.web}.
 *
 * <pre>{@code
 * RequestScope scope = RequestContextFactory.withDefaults().open(List.of("250"), List.of());
 * scope.ctx().deadline();   // about 250 ms from now
 * }</pre>
 */
@NullMarked
package dev.gocontext.reactor.http;

import org.jspecify.annotations.NullMarked;
