package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.GoContextHttp;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import java.util.function.Predicate;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.reactive.function.client.ClientRequestObservationContext;

/** An {@link ObservationHandler} for tests: every stopped HTTP observation, as an event to wait for. */
final class ObservationsSeen implements ObservationHandler<Observation.Context> {
    private final Events<Observation.Context> stopped = new Events<>();

    @Override
    public boolean supportsContext(Observation.Context context) {
        return context instanceof ServerRequestObservationContext || context instanceof ClientRequestObservationContext;
    }

    @Override
    public void onStop(Observation.Context context) {
        stopped.add(context);
    }

    /** Waits (at most 10 s) for a stopped observation that {@code wanted} accepts. */
    Observation.Context await(String what, Predicate<Observation.Context> wanted) throws InterruptedException {
        return stopped.await(what, wanted);
    }

    /** A server observation of a request to {@code path} with {@code requestId}. */
    static Predicate<Observation.Context> server(String path, String requestId) {
        return context -> context instanceof ServerRequestObservationContext server
                && server.getCarrier().getPath().value().equals(path)
                && requestId.equals(server.getCarrier().getHeaders().getFirst("X-Request-ID"));
    }

    /** A client observation of a call to {@code path} made under the ctx of {@code requestId}. */
    static Predicate<Observation.Context> client(String path, String requestId) {
        return context -> context instanceof ClientRequestObservationContext client
                && client.getRequest() != null
                && client.getRequest().url().getPath().equals(path)
                && CallContextRecorder.ctxOf(client) != null
                && requestId.equals(GoContextHttp.requestId(CallContextRecorder.ctxOf(client)));
    }

    void clear() {
        stopped.clear();
    }
}
