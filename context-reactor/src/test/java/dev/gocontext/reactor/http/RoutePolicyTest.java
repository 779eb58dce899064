package dev.gocontext.reactor.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The built-in path patterns, the method filter and the builder's checks of {@link RoutePolicy}. */
class RoutePolicyTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        "/,              /,               true",
        "/,              '',              true",
        "/,              /a,              false",
        "/a/b,           /a/b,            true",
        "/a/b,           /a/b/,           false",
        "/a/b,           /a/bc,           false",
        "/a/b,           /a,              false",
        "/a/b,           /A/b,            false",
        "/a/*,           /a/x,            true",
        "/a/*,           /a/,             false",
        "/a/*,           /a,              false",
        "/a/*,           /a/x/y,          false",
        "/*/b,           /x/b,            true",
        "/*/b,           //b,             false",
        "/events/**,     /events,         true",
        "/events/**,     /events/,        true",
        "/events/**,     /events/a/b/c,   true",
        "/events/**,     /eventsx,        false",
        "/events/**,     /event,          false",
        "/**,            /,               true",
        "/**,            /anything/at/all, true",
        "/a/*/c/**,      /a/b/c,          true",
        "/a/*/c/**,      /a/b/d/e,        false",
    })
    void pathPatterns(String pattern, String path, boolean expected) {
        RoutePolicy policy = RoutePolicy.path(pattern).build();
        assertThat(policy.matches("GET", path)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "a/b", "/a//b", "/a/", "/**/a", "/a/**/b", "/a*", "/a/b*c", "/{id}", "/a?b", "/a b", "/a;b"})
    void badPatternsAreRejectedNamingThePattern(String pattern) {
        assertThatThrownBy(() -> RoutePolicy.path(pattern))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("route pattern '" + pattern + "' is invalid: ");
    }

    @Test
    void methodsAreComparedUpperCaseAndEmptyMeansAny() {
        RoutePolicy any = RoutePolicy.path("/x").build();
        RoutePolicy reads = RoutePolicy.path("/x").methods("get", "Head").build();
        assertThat(any.methods()).isEmpty();
        assertThat(any.matches("DELETE", "/x")).isTrue();
        assertThat(reads.methods()).containsExactly("GET", "HEAD");
        assertThat(reads.matches("get", "/x")).isTrue();
        assertThat(reads.matches("HEAD", "/x")).isTrue();
        assertThat(reads.matches("POST", "/x")).isFalse();
        assertThatThrownBy(() -> RoutePolicy.path("/x").methods("GE T"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("method must be an HTTP token");
        assertThatThrownBy(() -> RoutePolicy.path("/x").methods("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anyMatcherFits() {
        RoutePolicy policy = RoutePolicy.matching((method, path) -> path.endsWith(".csv"))
                .noDeadline()
                .build();
        assertThat(policy.matches("GET", "/reports/2024.csv")).isTrue();
        assertThat(policy.matches("GET", "/reports/2024.json")).isFalse();
        assertThat(policy.deadline()).isFalse();
        assertThatThrownBy(() -> RoutePolicy.matching(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void timeoutsArePositiveAndTheDefaultIsNotLongerThanTheMaximum() {
        RoutePolicy policy = RoutePolicy.path("/r")
                .defaultTimeout(Duration.ofSeconds(1))
                .maxTimeout(Duration.ofSeconds(2))
                .build();
        assertThat(policy.defaultTimeout()).contains(Duration.ofSeconds(1));
        assertThat(policy.maxTimeout()).contains(Duration.ofSeconds(2));
        assertThat(policy.deadline()).isTrue();
        assertThat(RoutePolicy.path("/r").build().defaultTimeout()).isEmpty();

        assertThatThrownBy(() -> RoutePolicy.path("/r").defaultTimeout(Duration.ZERO))
                .hasMessage("defaultTimeout must be positive: PT0S");
        assertThatThrownBy(() -> RoutePolicy.path("/r").maxTimeout(Duration.ofMillis(-1)))
                .hasMessage("maxTimeout must be positive: PT-0.001S");
        assertThatThrownBy(() -> RoutePolicy.path("/r")
                        .defaultTimeout(Duration.ofSeconds(3))
                        .maxTimeout(Duration.ofSeconds(2))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("defaultTimeout PT3S is longer than maxTimeout PT2S of /r");
    }

    @Test
    void toStringSaysWhatItIs() {
        assertThat(RoutePolicy.path("/events/**").methods("GET").noDeadline().build())
                .hasToString("RoutePolicy[/events/** [GET], no deadline]");
        assertThat(RoutePolicy.path("/r").maxTimeout(Duration.ofSeconds(2)).build())
                .hasToString("RoutePolicy[/r, max=PT2S]");
    }
}
