package dev.gocontext.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Which authorities get the request id. */
class AuthorityMatcherTest {
    @Test
    void anEntryWithAPortAllowsThatAuthorityOnly() {
        AuthorityMatcher matcher = AuthorityMatcher.of("Prices.Internal:8443");
        assertThat(matcher.allows("prices.internal:8443")).isTrue();
        assertThat(matcher.allows("PRICES.INTERNAL:8443")).isTrue();
        assertThat(matcher.allows("prices.internal:8080")).isFalse();
        assertThat(matcher.allows("prices.internal")).isFalse();
    }

    @Test
    void anEntryWithoutAPortAllowsTheHostOnAnyPort() {
        AuthorityMatcher matcher = AuthorityMatcher.of("prices.internal", "[::1]", "localhost");
        assertThat(matcher.allows("prices.internal:8443")).isTrue();
        assertThat(matcher.allows("prices.internal")).isTrue();
        assertThat(matcher.allows("[::1]:50051")).isTrue();
        assertThat(matcher.allows("localhost")).isTrue();
        assertThat(matcher.allows("user@prices.internal:1")).isTrue();
        assertThat(matcher.allows("prices.internal.evil.com:443")).isFalse();
        assertThat(matcher.allows("evil.com")).isFalse();
        assertThat(matcher.allows(null)).isFalse();
    }

    @Test
    void hostsAreFoundInEveryAuthorityForm() {
        assertThat(AuthorityMatcher.hostOf("a.b:1")).isEqualTo("a.b");
        assertThat(AuthorityMatcher.hostOf("a.b")).isEqualTo("a.b");
        assertThat(AuthorityMatcher.hostOf("[::1]:80")).isEqualTo("[::1]");
        assertThat(AuthorityMatcher.hostOf("[::1]")).isEqualTo("[::1]");
        assertThat(AuthorityMatcher.hostOf("me@a.b:1")).isEqualTo("a.b");
    }

    @Test
    void aPredicateGetsTheAuthorityInLowerCase() {
        AuthorityMatcher matcher = AuthorityMatcher.of(a -> a.endsWith(".internal:8443"));
        assertThat(matcher.allows("Stock.INTERNAL:8443")).isTrue();
        assertThat(matcher.allows("stock.internal:80")).isFalse();
    }

    @Test
    void aListAnswersEveryAuthorityRightWhateverWasAskedBefore() {
        AuthorityMatcher matcher = AuthorityMatcher.of("prices.internal");
        for (int i = 0; i < 3; i++) {
            assertThat(matcher.allows("prices.internal:8443")).isTrue();
            assertThat(matcher.allows(new String("prices.internal:8443"))).isTrue();
            assertThat(matcher.allows("evil.com:8443")).isFalse();
            assertThat(matcher.allows("PRICES.internal:1")).isTrue();
            assertThat(matcher.allows("evil.com:8443")).isFalse();
        }
    }

    @Test
    void aPredicateIsAskedOnEveryCallSoItMayChangeItsMind() {
        AtomicBoolean open = new AtomicBoolean(true);
        AuthorityMatcher matcher = AuthorityMatcher.of(a -> open.get());
        assertThat(matcher.allows("prices.internal:8443")).isTrue();
        open.set(false);
        assertThat(matcher.allows("prices.internal:8443")).isFalse();
    }

    @Test
    void badEntriesAreRefusedByName() {
        assertThatThrownBy(() -> AuthorityMatcher.of("ok", " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an allowed authority must not be empty");
        assertThatThrownBy(() -> AuthorityMatcher.of("ok", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("authority");
        assertThatThrownBy(() -> GoContextGrpc.clientInterceptor((String[]) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("authorities");
        assertThatThrownBy(() -> GoContextGrpc.serverInterceptor(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxTimeout must be positive: PT0S");
    }
}
