/**
 * gocontext for grpc-java: one ctx across HTTP and gRPC hops. {@link
 * dev.gocontext.grpc.GoContextGrpc#serverInterceptor()} gives each server call a ctx (deadline from
 * {@code grpc-timeout}, clamped; request id from {@code x-request-id}; canceled when the call is
 * cancelled or ends); {@link dev.gocontext.grpc.GoContextGrpc#clientInterceptor(String...)} binds
 * each client call to a ctx (the earlier deadline, cancellation with the cause, the request id to
 * allowed authorities); {@link dev.gocontext.grpc.GoContextGrpc#unary} and {@link
 * dev.gocontext.grpc.GoContextGrpc#serverStreaming} run calls as Reactor pipelines bound to their
 * ctx.
 *
 * <pre>{@code
 * Server server = ServerBuilder.forPort(0)
 *         .addService(ServerInterceptors.intercept(service, GoContextGrpc.serverInterceptor()))
 *         .build();
 * Channel channel = ClientInterceptors.intercept(managedChannel, GoContextGrpc.clientInterceptor("prices.internal"));
 * }</pre>
 */
@NullMarked
package dev.gocontext.grpc;

import org.jspecify.annotations.NullMarked;
