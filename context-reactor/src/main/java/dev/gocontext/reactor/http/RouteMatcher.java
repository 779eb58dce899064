package dev.gocontext.reactor.http;

/**
 * Decides whether a {@link RoutePolicy} applies to a request, from its method and path (the path
 * without its query string, as the server framework gives it). {@link RoutePolicy#path(String)}
 * builds the usual one; any other rule fits here, e.g. Spring's {@code PathPattern}.
 *
 * <pre>{@code
 * PathPattern pattern = PathPatternParser.defaultInstance.parse("/orders/{id}/events");
 * RouteMatcher matcher = (method, path) -> pattern.matches(PathContainer.parsePath(path));
 * RoutePolicy events = RoutePolicy.matching(matcher).noDeadline().build();
 * }</pre>
 *
 * <p>It is called for every request, on the request's thread: it must be cheap, must not block and
 * must not throw.
 */
@FunctionalInterface
public interface RouteMatcher {
    /**
     * Whether the request matches.
     *
     * @param method the request method as received, e.g. {@code "GET"}
     * @param path the request path without query string, e.g. {@code "/orders/42"}
     */
    boolean matches(String method, String path);
}
