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

    private AuthorityMatcher(Predicate<String> allowed, String description) {
        this.allowed = allowed;
        this.description = description;
    }

    static AuthorityMatcher of(String... authorities) {
        Set<String> entries = Arrays.stream(Objects.requireNonNull(authorities, "authorities"))
                .map(AuthorityMatcher::entry)
                .collect(Collectors.toUnmodifiableSet());
        return new AuthorityMatcher(
                authority -> entries.contains(authority) || entries.contains(hostOf(authority)),
                "authorities " + entries);
    }

    static AuthorityMatcher of(Predicate<String> allowed) {
        Objects.requireNonNull(allowed, "allowed");
        return new AuthorityMatcher(allowed, "authorities matching " + allowed);
    }

    /** Whether calls to {@code authority} carry the request id. */
    boolean allows(@Nullable String authority) {
        return authority != null && allowed.test(authority.toLowerCase(Locale.ROOT));
    }

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
