package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.RequestContextFactory;
import dev.gocontext.reactor.http.RouteMatcher;
import dev.gocontext.reactor.http.RoutePolicy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * The {@link RequestContextFactory} that {@code gocontext.web.*} describes, each value checked: a
 * bad one fails naming its property.
 */
final class ConfiguredRequests {
    static final String PREFIX = "gocontext.web.";

    /** The default budget when {@code gocontext.web.default-timeout} is not set (and max allows). */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private ConfiguredRequests() {}

    /** A builder with every property of {@code web} applied. */
    static RequestContextFactory.Builder builder(GoContextProperties.Web web) {
        Duration max = PropertyChecks.positive(PREFIX + "max-timeout", web.getMaxTimeout());
        Duration configuredDefault = web.getDefaultTimeout();
        Duration defaultTimeout;
        if (configuredDefault == null) {
            defaultTimeout = DEFAULT_TIMEOUT.compareTo(max) > 0 ? max : DEFAULT_TIMEOUT;
        } else {
            defaultTimeout = PropertyChecks.positive(PREFIX + "default-timeout", configuredDefault);
            notAbove(PREFIX + "default-timeout", defaultTimeout, PREFIX + "max-timeout", max);
        }
        HeaderNames headers = HeaderNames.of(web);
        RequestContextFactory.Builder builder = RequestContextFactory.builder()
                .maxTimeout(max)
                .defaultTimeout(defaultTimeout)
                .streamingDeadline(web.isStreamingDeadline())
                .timeoutHeader(headers.timeout())
                .requestIdHeader(headers.requestId())
                .grpcTimeout(web.isGrpcTimeout());
        List<GoContextProperties.Route> routes = web.getRoutes();
        for (int i = 0; i < routes.size(); i++) {
            builder.route(route(PREFIX + "routes[" + i + "].", routes.get(i), defaultTimeout, max));
        }
        return builder;
    }

    private static RoutePolicy route(
            String prefix, GoContextProperties.Route route, Duration factoryDefault, Duration factoryMax) {
        RoutePolicy.Builder policy = RoutePolicy.matching(PathPatternMatcher.parse(prefix + "path", route.getPath()));
        List<String> methods = route.getMethods();
        String[] upper = new String[methods.size()];
        for (int i = 0; i < upper.length; i++) {
            upper[i] = method(prefix + "methods[" + i + "]", methods.get(i));
        }
        policy.methods(upper);
        Duration routeDefault = route.getDefaultTimeout();
        Duration routeMax = route.getMaxTimeout();
        if (!route.isDeadline()) {
            if (routeDefault != null || routeMax != null) {
                throw PropertyChecks.invalid(
                        prefix + "deadline",
                        false,
                        "a route without a deadline takes no default-timeout or max-timeout");
            }
            return policy.noDeadline().build();
        }
        Duration max = factoryMax;
        if (routeMax != null) {
            max = PropertyChecks.positive(prefix + "max-timeout", routeMax);
            policy.maxTimeout(max);
        }
        if (routeDefault != null) {
            PropertyChecks.positive(prefix + "default-timeout", routeDefault);
            notAbove(
                    prefix + "default-timeout",
                    routeDefault,
                    routeMax != null ? prefix + "max-timeout" : PREFIX + "max-timeout",
                    max);
            policy.defaultTimeout(routeDefault);
        } else if (factoryDefault.compareTo(max) > 0) {
            policy.defaultTimeout(max); // a route's lower max also bounds the budget of a request that sends none
        }
        return policy.build();
    }

    private static void notAbove(String property, Duration value, String maxProperty, Duration max) {
        if (value.compareTo(max) > 0) {
            throw PropertyChecks.invalid(property, value, "must not be above " + maxProperty + " (" + max + ")");
        }
    }

    private static String method(String property, String value) {
        String method = value.trim();
        if (method.isEmpty() || !method.chars().allMatch(c -> PropertyChecks.isTokenChar((char) c))) {
            throw PropertyChecks.invalid(property, value, "must be an HTTP method such as GET or POST");
        }
        return method.toUpperCase(Locale.ROOT);
    }

    /** A route's path, matched as a Spring {@link PathPattern} against the request path. */
    static final class PathPatternMatcher implements RouteMatcher {
        private final PathPattern pattern;

        private PathPatternMatcher(PathPattern pattern) {
            this.pattern = pattern;
        }

        static PathPatternMatcher parse(String property, @Nullable String path) {
            if (path == null || path.isBlank()) {
                throw PropertyChecks.invalid(
                        property, String.valueOf(path), "is required: a path pattern such as /orders/**");
            }
            try {
                return new PathPatternMatcher(PathPatternParser.defaultInstance.parse(path.trim()));
            } catch (PatternParseException e) {
                throw PropertyChecks.invalid(property, path, "is not a valid path pattern: " + e.toDetailedString());
            }
        }

        @Override
        public boolean matches(String method, String path) {
            return pattern.matches(PathContainer.parsePath(path));
        }

        @Override
        public String toString() {
            return pattern.getPatternString();
        }
    }
}
