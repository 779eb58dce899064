package dev.gocontext.reactor.http;

/**
 * Observes the request scopes of a {@link RequestContextFactory}: {@link #opened} when a request's
 * scope is opened, {@link #ended} exactly once when it ends, with why. Both run on the thread that
 * opens or ends the scope (usually an event loop): they must be cheap, must not block, and must not
 * throw (an exception thrown is handed to Reactor's {@code onErrorDropped} hook, and the other
 * listeners are still called).
 *
 * <pre>{@code
 * RequestContextFactory requests = RequestContextFactory.builder()
 *         .listener(new RequestListener() {
 *             public void ended(RequestScope scope, RequestOutcome outcome) {
 *                 timer(outcome.tagValue()).record(scope.age());
 *             }
 *         })
 *         .build();
 * }</pre>
 */
public interface RequestListener {
    /** A request's scope was opened: its ctx exists, the handling has not started. */
    default void opened(RequestScope scope) {}

    /** A request's scope ended: its ctx is canceled, {@code scope.outcome()} is {@code outcome}. */
    default void ended(RequestScope scope, RequestOutcome outcome) {}
}
