package dev.gocontext.benchmarks;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RequestOutcome;
import dev.gocontext.reactor.http.RequestScope;
import dev.gocontext.spring.boot.InFlightRequests;
import java.util.List;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import reactor.core.publisher.Mono;

/**
 * What the Spring Boot starter's list of requests in flight ({@link InFlightRequests}, behind the
 * {@code gocontext} actuator endpoint) adds to a request: a request scope's whole life (open, serve
 * an empty handling, end) without and with the listener, on one thread and on two at once (the
 * listener's map is shared); and the listener's own {@code opened} + {@code ended} on a scope.
 * The target: the tracked scope within a few percent of the untracked one.
 */
@State(Scope.Benchmark)
public class InFlightRequestsBench extends JmhDefaults {
    private static final Function<String, List<String>> NO_HEADERS = name -> List.of();

    private RequestContextFactory untracked;
    private RequestContextFactory tracked;
    private InFlightRequests inFlight;
    private RequestScope scope;

    @Setup
    public void setUp() {
        inFlight = new InFlightRequests();
        untracked = RequestContextFactory.builder().build();
        tracked = RequestContextFactory.builder().listener(inFlight).build();
        scope = untracked.open("GET", "/orders/42", NO_HEADERS);
    }

    @TearDown
    public void tearDown() {
        scope.ctx().cancel();
        if (inFlight.count() != 0) {
            throw new IllegalStateException("requests left in flight: " + inFlight.count());
        }
    }

    @Benchmark
    public RequestScope scopeUntracked() {
        return lifeOf(untracked);
    }

    @Benchmark
    public RequestScope scopeTracked() {
        return lifeOf(tracked);
    }

    @Benchmark
    @Threads(2)
    public RequestScope scopeUntracked2Threads() {
        return lifeOf(untracked);
    }

    @Benchmark
    @Threads(2)
    public RequestScope scopeTracked2Threads() {
        return lifeOf(tracked);
    }

    @Benchmark
    public InFlightRequests listenerOpenedEnded() {
        inFlight.opened(scope);
        inFlight.ended(scope, RequestOutcome.COMPLETED);
        return inFlight;
    }

    private static RequestScope lifeOf(RequestContextFactory requests) {
        RequestScope scope = requests.open("GET", "/orders/42", NO_HEADERS);
        scope.serve(Mono.empty(), Mono::empty).subscribe(); // completes at once: the scope ends
        return scope;
    }
}
