package dev.gocontext.spring.boot;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The hosts of {@code gocontext.client.allowed-hosts}: exact names ({@code orders.internal}, {@code
 * 10.0.0.7}, {@code [::1]}) and subdomain patterns ({@code *.internal} allows {@code a.internal} and
 * {@code b.a.internal}, not {@code internal}). Tested with the lower-case host of each request.
 */
final class AllowedHosts implements Predicate<String> {
    static final String PROPERTY = "gocontext.client.allowed-hosts";

    private final Set<String> names;

    /** Each pattern {@code *.domain}, kept as {@code .domain}. */
    private final List<String> suffixes;

    private AllowedHosts(Set<String> names, List<String> suffixes) {
        this.names = names;
        this.suffixes = suffixes;
    }

    /** The hosts of the property's values; a value that is not a host or pattern fails, naming it. */
    static AllowedHosts of(List<String> values) {
        Set<String> names = new LinkedHashSet<>();
        List<String> suffixes = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String property = PROPERTY + "[" + i + "]";
            String raw = values.get(i);
            String value = raw.trim().toLowerCase(Locale.ROOT);
            if (value.startsWith("*.")) {
                String domain = value.substring(2);
                checkHost(property, raw, domain);
                suffixes.add("." + domain);
            } else {
                checkHost(property, raw, value);
                names.add(value);
            }
        }
        return new AllowedHosts(Set.copyOf(names), List.copyOf(suffixes));
    }

    boolean isEmpty() {
        return names.isEmpty() && suffixes.isEmpty();
    }

    @Override
    public boolean test(String host) {
        if (names.contains(host)) {
            return true;
        }
        for (String suffix : suffixes) {
            if (host.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    private static void checkHost(String property, String raw, String host) {
        if (host.isEmpty()) {
            throw PropertyChecks.invalid(property, raw, "must be a host name, an IP address or *.domain");
        }
        if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            checkChars(property, raw, host.substring(1, host.length() - 1), "0123456789abcdef:.");
            return;
        }
        checkChars(property, raw, host, "abcdefghijklmnopqrstuvwxyz0123456789-.");
        if (host.startsWith(".") || host.endsWith(".") || host.contains("..")) {
            throw PropertyChecks.invalid(property, raw, "must be a host name, an IP address or *.domain");
        }
    }

    private static void checkChars(String property, String raw, String host, String allowed) {
        for (int i = 0; i < host.length(); i++) {
            if (allowed.indexOf(host.charAt(i)) < 0) {
                throw PropertyChecks.invalid(
                        property,
                        raw,
                        "must be a host name, an IP address or *.domain, without scheme, port or path" + " (found '"
                                + host.charAt(i) + "')");
            }
        }
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(names);
        suffixes.forEach(suffix -> all.add("*" + suffix));
        return all.toString();
    }
}
