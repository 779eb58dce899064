package dev.gocontext.samples.web;

import org.jspecify.annotations.Nullable;

/** Parsing of the endpoints' integer parameters, with messages that say what was wrong. */
final class Params {
    private Params() {}

    /**
     * {@code raw} as an integer in {@code [0, max]}, or {@code defaultValue} when absent.
     *
     * @throws BadParameterException if {@code raw} is not a decimal integer in range
     */
    static long parse(String name, @Nullable String raw, long defaultValue, long max) {
        if (raw == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw outOfRange(name, raw, max);
        }
        if (value < 0 || value > max) {
            throw outOfRange(name, raw, max);
        }
        return value;
    }

    private static BadParameterException outOfRange(String name, String raw, long max) {
        String shown = raw.length() > 40 ? raw.substring(0, 40) + "..." : raw;
        return new BadParameterException(name + " must be an integer from 0 to " + max + ", got '"
                + shown.replaceAll("[^\\x20-\\x7e]", "?") + "'");
    }
}
