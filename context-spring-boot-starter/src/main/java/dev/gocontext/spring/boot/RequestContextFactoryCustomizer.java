package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.RequestContextFactory;

/**
 * Changes the {@link RequestContextFactory} that the starter builds from {@code gocontext.web.*},
 * before it is built: routes that need code (a {@code RouteMatcher} of your own), request
 * listeners, the parent of every request ctx. Declare it as a bean; customizers run in {@code
 * @Order}, after the properties are applied.
 *
 * <pre>{@code
 * @Bean
 * RequestContextFactoryCustomizer uploadsWithoutDeadline() {
 *     return requests -> requests.route(RoutePolicy.matching((method, path) -> path.startsWith("/upload/"))
 *             .methods("PUT")
 *             .noDeadline()
 *             .build());
 * }
 * }</pre>
 */
@FunctionalInterface
public interface RequestContextFactoryCustomizer {
    /** Changes {@code requests}, the builder of the application's factory. */
    void customize(RequestContextFactory.Builder requests);
}
