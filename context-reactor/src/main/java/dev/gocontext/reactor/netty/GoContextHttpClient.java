package dev.gocontext.reactor.netty;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.Done;
import dev.gocontext.reactor.GoContext;
import dev.gocontext.reactor.http.OutboundPropagation;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;

/**
 * A Reactor Netty {@code HttpClient} customizer that carries the subscriber's ctx to the server
 * called, by gocontext's HTTP conventions ({@code GoContextHttp}):
 *
 * <ul>
 *   <li>to allowed hosts only, the request carries {@code X-Request-Timeout} (the ctx's remaining
 *       time in milliseconds) and {@code X-Request-ID} (the ctx's request id); to other hosts it
 *       carries neither, even if the caller set them;
 *   <li>the call is bound to the ctx: when the ctx is done, the connection is closed (the server
 *       sees its client go away, which cancels its request ctx); a ctx that is already done fails
 *       the request with {@code ctx.err()} before it is sent.
 * </ul>
 *
 * <p>The ctx is the one in the Reactor context of the subscription ({@code GoContext.with}). To
 * receive {@code ctx.err()} rather than a closed-connection error, bind the response too:
 *
 * <pre>{@code
 * HttpClient client = GoContextHttpClient.propagation(OutboundPropagation.toHosts("prices.internal"))
 *         .apply(HttpClient.create());
 * Mono<String> price = GoContext.deadlineOf(client.get().uri("http://prices.internal/eur")
 *         .responseContent().aggregate().asString());
 * }</pre>
 */
public final class GoContextHttpClient {
    private GoContextHttpClient() {}

    /**
     * The customizer: {@code GoContextHttpClient.propagation(allowed).apply(httpClient)}.
     *
     * @throws NullPointerException if {@code propagation} is null
     */
    public static Function<HttpClient, HttpClient> propagation(OutboundPropagation propagation) {
        Objects.requireNonNull(propagation, "propagation");
        return client -> client.doOnRequest((request, connection) -> bind(propagation, request, connection))
                .doAfterResponseSuccess((response, connection) -> CallBinding.release(connection.channel()));
    }

    private static void bind(OutboundPropagation propagation, HttpClientRequest request, Connection connection) {
        Context ctx = GoContext.from(request.currentContextView());
        HttpHeaders headers = request.requestHeaders();
        headers.remove(propagation.timeoutHeader());
        headers.remove(propagation.requestIdHeader());
        propagation.headersFor(ctx, hostOf(request.resourceUrl())).forEach(headers::set);
        if (ctx.done() == Done.never()) {
            return;
        }
        ContextException err = ctx.err();
        if (err != null) {
            throw err;
        }
        CallBinding.bind(ctx, connection.channel());
    }

    private static @Nullable String hostOf(@Nullable String url) {
        if (url == null) {
            return null;
        }
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null; // not a URI we can read a host from: no propagation
        }
    }
}
