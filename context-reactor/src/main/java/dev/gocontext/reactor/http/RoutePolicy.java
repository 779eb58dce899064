package dev.gocontext.reactor.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The request policy of some routes of a server: their own default and maximum timeout, or no
 * deadline at all (a stream, a WebSocket, a long poll). A {@link RequestContextFactory} holds a list
 * of them; the first that {@linkplain #matches matches} a request decides its deadline, and a
 * request that none matches gets the factory's. Immutable.
 *
 * <pre>{@code
 * RequestContextFactory requests = RequestContextFactory.builder()
 *         .route(RoutePolicy.path("/events/**").methods("GET").noDeadline().build())
 *         .route(RoutePolicy.path("/reports/*").maxTimeout(Duration.ofMinutes(2)).build())
 *         .defaultTimeout(Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 *
 * <p>A route without a deadline gives its requests a ctx that is canceled only when the exchange
 * ends or the client goes away (or the factory's parent is canceled). A matching route decides for
 * every request it matches, event streams and WebSocket upgrades included: put the routes of
 * streams first, or have them say {@link Builder#noDeadline()}.
 */
public final class RoutePolicy {
    private final RouteMatcher matcher;
    private final String description;
    private final Set<String> methods;
    private final @Nullable Duration defaultTimeout;
    private final @Nullable Duration maxTimeout;
    private final boolean deadline;

    private RoutePolicy(Builder builder) {
        this.matcher = builder.matcher;
        this.description = builder.description;
        this.methods = Collections.unmodifiableSet(new LinkedHashSet<>(builder.methods));
        this.defaultTimeout = builder.defaultTimeout;
        this.maxTimeout = builder.maxTimeout;
        this.deadline = builder.deadline;
    }

    /**
     * A policy for the paths {@code pattern} matches. A pattern is {@code /} and segments separated
     * by {@code /}: a segment is matched literally (case-sensitive), {@code *} matches any one
     * non-empty segment, and {@code /**} at the end matches any rest, including none ({@code
     * /events/**} matches {@code /events}, {@code /events/} and {@code /events/a/b}). A path with a
     * trailing {@code /} matches only a pattern that ends in {@code /**}.
     *
     * @throws IllegalArgumentException if {@code pattern} is not such a pattern (the message names
     *     it and says why)
     * @throws NullPointerException if {@code pattern} is null
     */
    public static Builder path(String pattern) {
        return new Builder(PathPattern.parse(pattern), pattern);
    }

    /**
     * A policy for the requests {@code matcher} accepts.
     *
     * @throws NullPointerException if {@code matcher} is null
     */
    public static Builder matching(RouteMatcher matcher) {
        return new Builder(Objects.requireNonNull(matcher, "matcher"), "matching " + matcher);
    }

    /** Whether this policy applies to a request: its method is one of {@link #methods()} (if any), and the matcher accepts it. */
    public boolean matches(String method, String path) {
        return (methods.isEmpty() || methods.contains(method.toUpperCase(Locale.ROOT)))
                && matcher.matches(method, path);
    }

    /** What selects the requests, with {@link #methods()}. */
    public RouteMatcher matcher() {
        return matcher;
    }

    /** The methods this policy applies to, upper-case; empty for any method. */
    public Set<String> methods() {
        return methods;
    }

    /** The timeout of a request that sends no budget; empty for the factory's. */
    public Optional<Duration> defaultTimeout() {
        return Optional.ofNullable(defaultTimeout);
    }

    /** The longest timeout a request gets, whatever budget it sends; empty for the factory's. */
    public Optional<Duration> maxTimeout() {
        return Optional.ofNullable(maxTimeout);
    }

    /**
     * Whether the requests get a deadline. Without one, their ctx is canceled only when the exchange
     * ends or the client goes away, and a timeout header they send is checked but not applied.
     */
    public boolean deadline() {
        return deadline;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("RoutePolicy[").append(description);
        if (!methods.isEmpty()) {
            s.append(' ').append(methods);
        }
        if (!deadline) {
            return s.append(", no deadline]").toString();
        }
        if (defaultTimeout != null) {
            s.append(", default=").append(defaultTimeout);
        }
        if (maxTimeout != null) {
            s.append(", max=").append(maxTimeout);
        }
        return s.append(']').toString();
    }

    /**
     * Configures a {@link RoutePolicy}; by default it applies to any method and keeps the factory's
     * timeouts.
     *
     * <pre>{@code
     * RoutePolicy.path("/export/**").methods("GET", "HEAD").maxTimeout(Duration.ofMinutes(5)).build();
     * }</pre>
     */
    public static final class Builder {
        private final RouteMatcher matcher;
        private final String description;
        private final List<String> methods = new ArrayList<>();
        private @Nullable Duration defaultTimeout;
        private @Nullable Duration maxTimeout;
        private boolean deadline = true;

        private Builder(RouteMatcher matcher, String description) {
            this.matcher = matcher;
            this.description = description;
        }

        /**
         * The methods the policy applies to (compared without case); none given, or never called:
         * any method.
         *
         * @throws IllegalArgumentException if a method is empty or not an HTTP token
         * @throws NullPointerException if {@code methods} or one of them is null
         */
        public Builder methods(String... methods) {
            for (String method : Objects.requireNonNull(methods, "methods")) {
                this.methods.add(GoContextHttp.requireToken(method, "method").toUpperCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * The timeout of a request that sends no budget.
         *
         * @throws IllegalArgumentException if {@code timeout} is not positive
         * @throws NullPointerException if {@code timeout} is null
         */
        public Builder defaultTimeout(Duration timeout) {
            this.defaultTimeout = GoContextHttp.requirePositive(timeout, "defaultTimeout");
            return this;
        }

        /**
         * The longest timeout a request gets; longer budgets are clamped to it.
         *
         * @throws IllegalArgumentException if {@code timeout} is not positive
         * @throws NullPointerException if {@code timeout} is null
         */
        public Builder maxTimeout(Duration timeout) {
            this.maxTimeout = GoContextHttp.requirePositive(timeout, "maxTimeout");
            return this;
        }

        /** Whether the requests get a deadline (they do unless this says otherwise). */
        public Builder deadline(boolean deadline) {
            this.deadline = deadline;
            return this;
        }

        /** No deadline: {@code deadline(false)}. */
        public Builder noDeadline() {
            return deadline(false);
        }

        /**
         * The policy.
         *
         * @throws IllegalArgumentException if the default timeout is longer than the maximum
         */
        public RoutePolicy build() {
            Duration byDefault = defaultTimeout;
            Duration max = maxTimeout;
            if (byDefault != null && max != null && byDefault.compareTo(max) > 0) {
                throw new IllegalArgumentException(
                        "defaultTimeout " + byDefault + " is longer than maxTimeout " + max + " of " + description);
            }
            return new RoutePolicy(this);
        }
    }

    /** The built-in patterns of {@link #path(String)}: literal segments, {@code *}, a final {@code /**}. */
    private static final class PathPattern implements RouteMatcher {
        private static final String ANY_SEGMENT = "*";
        private static final String ANY_REST = "**";
        private static final String NOT_ALLOWED = "{}?#;%\\";

        private final String pattern;
        // the segments before a final "/**"; each is a literal or ANY_SEGMENT
        private final String[] segments;
        private final boolean anyRest;

        private PathPattern(String pattern, String[] segments, boolean anyRest) {
            this.pattern = pattern;
            this.segments = segments;
            this.anyRest = anyRest;
        }

        static PathPattern parse(String pattern) {
            Objects.requireNonNull(pattern, "pattern");
            if (!pattern.startsWith("/")) {
                throw invalid(pattern, "it must start with '/'");
            }
            String body = pattern.substring(1);
            List<String> parts =
                    body.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(body.split("/", -1)));
            boolean anyRest = !parts.isEmpty() && parts.get(parts.size() - 1).equals(ANY_REST);
            if (anyRest) {
                parts.remove(parts.size() - 1);
            }
            for (String part : parts) {
                if (part.isEmpty()) {
                    throw invalid(pattern, "it has an empty segment (a '//' or a trailing '/')");
                }
                if (part.equals(ANY_REST)) {
                    throw invalid(pattern, "'**' may only be its last segment");
                }
                if (part.contains(ANY_SEGMENT) && !part.equals(ANY_SEGMENT)) {
                    throw invalid(pattern, "'*' must be a whole segment");
                }
                for (int i = 0; i < part.length(); i++) {
                    char c = part.charAt(i);
                    if (NOT_ALLOWED.indexOf(c) >= 0 || c <= ' ') {
                        throw invalid(pattern, "'" + c + "' is not allowed (use '*' for a variable segment)");
                    }
                }
            }
            return new PathPattern(pattern, parts.toArray(new String[0]), anyRest);
        }

        private static IllegalArgumentException invalid(String pattern, String why) {
            return new IllegalArgumentException("route pattern '" + pattern + "' is invalid: " + why);
        }

        @Override
        public boolean matches(String method, String path) {
            int pos = path.startsWith("/") ? 1 : 0;
            for (String segment : segments) {
                if (pos > path.length()) {
                    return false; // the path has fewer segments
                }
                int end = path.indexOf('/', pos);
                if (end < 0) {
                    end = path.length();
                }
                boolean match = segment.equals(ANY_SEGMENT)
                        ? end > pos
                        : end - pos == segment.length() && path.startsWith(segment, pos);
                if (!match) {
                    return false;
                }
                pos = end + 1;
            }
            if (anyRest) {
                return true;
            }
            // exactly consumed: "/" for a pattern of no segment, else no '/' after the last one
            return segments.length == 0 ? pos >= path.length() : pos == path.length() + 1;
        }

        @Override
        public String toString() {
            return pattern;
        }
    }
}
