package dev.gocontext.spring.boot;

import dev.gocontext.ContextStats;
import dev.gocontext.LeakDetection;
import dev.gocontext.reactor.http.RequestScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The actuator endpoint {@code gocontext} ({@code /actuator/gocontext} once exposed): a live view
 * of the application's contexts.
 *
 * <ul>
 *   <li>{@code stats}: {@link ContextStats} (created, active, canceled, deadline exceeded, leaked)
 *       and the subscriptions bound by {@code GoContext.deadlineOf} (active, disposed by a cancel or
 *       by a deadline);
 *   <li>{@code requests}: the requests in flight, oldest first, at most {@value #MAX_REQUESTS}, each
 *       with its {@code requestId}, {@code method}, {@code path}, {@code ageMs} and {@code
 *       remainingMs} (null when the request has no deadline);
 *   <li>{@code leaks}: the leak detection level and the leaks detected so far.
 * </ul>
 *
 * <pre>{@code
 * management.endpoints.web.exposure.include=health,gocontext
 * curl -s localhost:8080/actuator/gocontext
 * }</pre>
 */
@Endpoint(id = "gocontext")
public final class GoContextEndpoint {
    /** The most requests listed. */
    public static final int MAX_REQUESTS = 100;

    private final SubscriptionCounts subscriptions = new SubscriptionCounts();

    private final @Nullable InFlightRequests inFlight;

    /**
     * The endpoint, listing the requests that {@code inFlight} sees.
     *
     * @param inFlight the requests in flight; null when none are tracked (the list is then empty)
     */
    public GoContextEndpoint(@Nullable InFlightRequests inFlight) {
        this.inFlight = inFlight;
    }

    /** What the endpoint shows now. */
    @ReadOperation
    public Report report() {
        ContextStats stats = ContextStats.global();
        Subscriptions bound =
                new Subscriptions(subscriptions.active(), subscriptions.canceled(), subscriptions.deadlineExceeded());
        List<InFlightRequest> requests = new ArrayList<>();
        int requestsInFlight = 0;
        if (inFlight != null) {
            requestsInFlight = inFlight.count();
            inFlight.oldest(MAX_REQUESTS).forEach(scope -> requests.add(InFlightRequest.of(scope)));
        }
        Stats counts = new Stats(
                stats.created(),
                stats.active(),
                stats.canceled(),
                stats.deadlineExceeded(),
                stats.leaked(),
                bound,
                requestsInFlight);
        Leaks leaks = new Leaks(LeakDetection.level().name().toLowerCase(Locale.ROOT), stats.leaked());
        return new Report(counts, requests, leaks);
    }

    /**
     * The endpoint's answer.
     *
     * @param stats the counts of contexts and bound subscriptions
     * @param requests the requests in flight, oldest first
     * @param leaks what leak detection found
     */
    public record Report(Stats stats, List<InFlightRequest> requests, Leaks leaks) {}

    /**
     * {@link ContextStats} and the bridge's subscription counts.
     *
     * @param created cancellable contexts created
     * @param active contexts created and not yet done
     * @param canceled contexts done by a cancel
     * @param deadlineExceeded contexts done by a deadline
     * @param leaked contexts dropped without cancel, as far as leak detection saw
     * @param subscriptions subscriptions bound by {@code deadlineOf}
     * @param requestsInFlight requests in flight (all of them, also beyond the listed ones)
     */
    public record Stats(
            long created,
            long active,
            long canceled,
            long deadlineExceeded,
            long leaked,
            Subscriptions subscriptions,
            int requestsInFlight) {}

    /**
     * The subscriptions bound by {@code GoContext.deadlineOf}.
     *
     * @param active bound and not yet ended
     * @param canceled disposed because their ctx was canceled
     * @param deadlineExceeded disposed because their ctx's deadline passed
     */
    public record Subscriptions(long active, long canceled, long deadlineExceeded) {}

    /**
     * One request in flight.
     *
     * @param requestId its request id
     * @param method its HTTP method
     * @param path its path, without the query string
     * @param ageMs milliseconds since its ctx was created
     * @param remainingMs milliseconds until its deadline; null when it has none
     */
    public record InFlightRequest(
            String requestId,
            String method,
            String path,
            long ageMs,
            @Nullable Long remainingMs) {
        static InFlightRequest of(RequestScope scope) {
            Long remaining = scope.hasDeadline()
                    ? scope.ctx().remaining().map(Duration::toMillis).orElse(null)
                    : null;
            return new InFlightRequest(
                    scope.requestId(), scope.method(), scope.path(), scope.age().toMillis(), remaining);
        }
    }

    /**
     * What leak detection found.
     *
     * @param level the leak detection level ({@code disabled}, {@code sampled}, {@code all}, {@code
     *     paranoid})
     * @param detected leaks detected so far
     */
    public record Leaks(String level, long detected) {}
}
