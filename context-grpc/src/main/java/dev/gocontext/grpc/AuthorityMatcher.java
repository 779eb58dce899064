package dev.gocontext.grpc;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Which authorities a client sends the request id to. An authority is gRPC's {@code host:port}
 * (or {@code [v6 address]:port}, or a bare name for in-process channels); a configured entry with a
 * port allows exactly that authority, one without a port allows the host on any port.
 */
final class AuthorityMatcher {
    private final Predicate<String> allowed;
    private final String description;

    /** Whether the answer for an authority never changes, so that the last one can be reused. */
    private final boolean fixed;

    // The last authority asked about and the answer, when fixed: a channel asks about the same
    // authority (the same String) on every call. Racy by design: any answer seen is a right one.
    private volatile @Nullable Answer last;

    private AuthorityMatcher(Predicate<String> allowed, String description, boolean fixed) {
        this.allowed = allowed;
        this.description = description;
        this.fixed = fixed;
    }

    static AuthorityMatcher of(String... authorities) {
        Set<String> entries = Arrays.stream(Objects.requireNonNull(authorities, "authorities"))
                .map(AuthorityMatcher::entry)
                .collect(Collectors.toUnmodifiableSet());
        return new AuthorityMatcher(
                authority -> entries.contains(authority) || entries.contains(hostOf(authority)),
                "authorities " + entries,
                true);
    }

    /** The user's predicate is asked on every call: it may change its mind. */
    static AuthorityMatcher of(Predicate<String> allowed) {
        Objects.requireNonNull(allowed, "allowed");
        return new AuthorityMatcher(allowed, "authorities matching " + allowed, false);
    }

    /** Whether calls to {@code authority} carry the request id. */
    boolean allows(@Nullable String authority) {
        if (authority == null) {
            return false;
        }
        if (!fixed) {
            return allowed.test(authority.toLowerCase(Locale.ROOT));
        }
        Answer answer = last;
        if (answer == null || !answer.authority.equals(authority)) {
            answer = new Answer(authority, allowed.test(authority.toLowerCase(Locale.ROOT)));
            last = answer;
        }
        return answer.allowed;
    }

    /** An authority and whether it is allowed. */
    private record Answer(String authority, boolean allowed) {}

    private static String entry(String authority) {
        Objects.requireNonNull(authority, "authority");
        if (authority.isBlank()) {
            throw new IllegalArgumentException("an allowed authority must not be empty");
        }
        return authority.trim().toLowerCase(Locale.ROOT);
    }

    /** The host of {@code host:port}, {@code [v6]:port} or {@code user@host:port}; the authority itself without a port. */
    static String hostOf(String authority) {
        int start = authority.lastIndexOf('@') + 1;
        int end = authority.length();
        if (authority.startsWith("[", start)) {
            int close = authority.indexOf(']', start);
            end = close < 0 ? end : close + 1;
        } else {
            int colon = authority.lastIndexOf(':');
            end = colon >= start ? colon : end;
        }
        return authority.substring(start, end);
    }

    @Override
    public String toString() {
        return description;
    }
}
