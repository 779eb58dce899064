package dev.gocontext.spring.boot;

import dev.gocontext.Context;
import dev.gocontext.ContextException;
import dev.gocontext.reactor.http.ClientDisconnectedException;
import dev.gocontext.reactor.http.RequestOutcome;
import dev.gocontext.reactor.http.RequestScope;
import dev.gocontext.reactor.web.GoContextExchangeFilter;
import dev.gocontext.reactor.web.GoContextWebFilter;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;
import io.micrometer.observation.ObservationView;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;

/**
 * Adds the low-cardinality key {@value #OUTCOME} to every server request observation ({@code
 * http.server.requests}) and every WebClient observation ({@code http.client.requests}), with the
 * {@link RequestOutcome#tagValue()} of why the request's ctx ended: {@code completed}, {@code
 * deadline_exceeded}, {@code client_disconnected} or {@code canceled}. Spring's own {@code outcome}
 * says {@code UNKNOWN} for every request cut short; this key tells a deadline from a client that
 * went away.
 *
 * <ul>
 *   <li>server: from the request's {@link RequestScope} (exchange attribute {@link
 *       GoContextWebFilter#SCOPE_ATTRIBUTE}); a request the filter answered itself with {@code
 *       400}, or that ran without a scope, is {@code completed} (or {@code client_disconnected} if
 *       the connection was aborted). The observation stops before the request scope ends, so a
 *       response stream that Reactor Netty ends quietly because its client left (the scope records
 *       {@code client_disconnected}) is observed as {@code completed};
 *   <li>client: from the ctx of the call (recorded in the observation by a filter that the
 *       auto-configuration adds to Boot's {@code WebClient.Builder}, or the request attribute
 *       {@link GoContextExchangeFilter#CTX_ATTRIBUTE}): its deadline, its cancel by a client that
 *       went away upstream, another cancel, or {@code completed}; a call without a ctx that was
 *       cancelled is {@code canceled}.
 * </ul>
 *
 * <pre>{@code
 * http_server_requests_seconds_count{gocontext_outcome="deadline_exceeded",method="GET",status="504",uri="/work",...} 3
 * }</pre>
 */
public final class GoContextObservationFilter implements ObservationFilter {
    /** The key of the observations' outcome. */
    public static final String OUTCOME = "gocontext.outcome";

    /** The filter. */
    public GoContextObservationFilter() {}

    @Override
    public Observation.Context map(Observation.Context context) {
        if (context instanceof ServerRequestObservationContext server) {
            context.addLowCardinalityKeyValue(outcome(serverOutcome(server)));
        } else if (context instanceof ClientRequestObservationContext client) {
            context.addLowCardinalityKeyValue(outcome(clientOutcome(client)));
        }
        return context;
    }

    private static KeyValue outcome(RequestOutcome outcome) {
        return KeyValue.of(OUTCOME, outcome.tagValue());
    }

    /**
     * Why the request ended. The observation stops before the scope ends (the filter runs inside
     * the observed handler), so an outcome not yet recorded is read from the ctx the same way the
     * scope will record it.
     */
    static RequestOutcome serverOutcome(ServerRequestObservationContext server) {
        Object attribute = server.getAttributes().get(GoContextWebFilter.SCOPE_ATTRIBUTE);
        if (!(attribute instanceof RequestScope scope)) {
            return server.isConnectionAborted() ? RequestOutcome.CLIENT_DISCONNECTED : RequestOutcome.COMPLETED;
        }
        RequestOutcome recorded = scope.outcome().orElse(null);
        if (recorded != null) {
            return recorded;
        }
        ContextException err = scope.ctx().err();
        if (err == Context.DEADLINE_EXCEEDED) {
            return RequestOutcome.DEADLINE_EXCEEDED;
        }
        if (err != null) {
            return RequestOutcome.CANCELED;
        }
        return server.isConnectionAborted() ? RequestOutcome.CLIENT_DISCONNECTED : RequestOutcome.COMPLETED;
    }

    static RequestOutcome clientOutcome(ClientRequestObservationContext client) {
        Context ctx = CallContextRecorder.ctxOf(client);
        if (ctx == null) {
            ctx = ctxOf(client.getRequest());
        }
        if (ctx != null) {
            ContextException err = ctx.err();
            if (err == Context.DEADLINE_EXCEEDED) {
                return RequestOutcome.DEADLINE_EXCEEDED;
            }
            if (err != null) {
                return ctx.cause() instanceof ClientDisconnectedException
                        ? RequestOutcome.CLIENT_DISCONNECTED
                        : RequestOutcome.CANCELED;
            }
        }
        if (!client.isAborted()) {
            return RequestOutcome.COMPLETED;
        }
        // Cancelled while the caller's ctx is not (yet) done: a server cancels its handling before
        // it ends the request scope, so a call cut by the caller's client going away gets here
        // first. The server request's observation (the parent) already knows.
        return callersClientWentAway(client) ? RequestOutcome.CLIENT_DISCONNECTED : RequestOutcome.CANCELED;
    }

    private static boolean callersClientWentAway(Observation.Context context) {
        for (ObservationView parent = context.getParentObservation();
                parent != null;
                parent = parent.getContextView() instanceof Observation.Context up ? up.getParentObservation() : null) {
            if (parent.getContextView() instanceof ServerRequestObservationContext server) {
                return server.isConnectionAborted();
            }
        }
        return false;
    }

    private static @Nullable Context ctxOf(@Nullable ClientRequest request) {
        if (request == null) {
            return null;
        }
        Object ctx = request.attributes().get(GoContextExchangeFilter.CTX_ATTRIBUTE);
        return ctx instanceof Context context ? context : null;
    }
}
