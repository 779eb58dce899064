package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.RequestListener;
import dev.gocontext.reactor.http.RequestOutcome;
import dev.gocontext.reactor.http.RequestScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests in flight, for the {@code gocontext} actuator endpoint: a {@link RequestListener}
 * that keeps every {@link RequestScope} from its opening to its end.
 *
 * <p>Cost on the request path: one insertion into and one removal from a {@link
 * ConcurrentHashMap} (a compare-and-set into an empty bin in the common case, a lock on one bin
 * otherwise), nothing else; the sorting happens when the endpoint is read.
 *
 * <pre>{@code
 * InFlightRequests inFlight = new InFlightRequests();
 * RequestContextFactory requests = RequestContextFactory.builder().listener(inFlight).build();
 * List<RequestScope> oldest = inFlight.oldest(10);
 * }</pre>
 */
public final class InFlightRequests implements RequestListener {
    // Invariant: a scope is in this set from the return of its opened() call until its ended()
    // call (each called once per scope by RequestScope). Identity keys: RequestScope keeps
    // Object's equals and hashCode.
    private final Set<RequestScope> open = ConcurrentHashMap.newKeySet();

    /** An empty list of requests. */
    public InFlightRequests() {}

    @Override
    public void opened(RequestScope scope) {
        open.add(scope);
    }

    @Override
    public void ended(RequestScope scope, RequestOutcome outcome) {
        open.remove(scope);
    }

    /** How many requests are in flight now. */
    public int count() {
        return open.size();
    }

    /**
     * The requests in flight now, oldest first, at most {@code limit} of them.
     *
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    public List<RequestScope> oldest(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        List<RequestScope> all = new ArrayList<>(open);
        // System.nanoTime() values are compared by their difference, never directly
        all.sort((a, b) -> Long.signum(a.startNanos() - b.startNanos()));
        return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
    }

    @Override
    public String toString() {
        return "InFlightRequests[" + open.size() + "]";
    }
}
