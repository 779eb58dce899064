package dev.gocontext;

import java.util.ArrayDeque;

/**
 * A context this library derived from a parent, named as Go names it: the parent's name plus a
 * suffix ({@code context.Background.WithCancel.WithValue(user, alice)}), built in a loop so that
 * chains of any depth can be named.
 */
interface Named {
    /** The context this one was derived from. */
    Context parent();

    /** What this context adds to its parent's name, e.g. {@code ".WithCancel"}. */
    String nameSuffix();

    /** The full name of {@code ctx}. */
    static String nameOf(Named ctx) {
        return nameOf(ctx, Integer.MAX_VALUE);
    }

    /**
     * The name of {@code ctx}, or, if it is longer than about {@code limit} characters, its end
     * (the part nearest to {@code ctx}) after {@code "…"}; for log lines.
     */
    static String nameOf(Object ctx, int limit) {
        ArrayDeque<String> suffixes = new ArrayDeque<>();
        int length = 0;
        Object c = ctx;
        while (c instanceof Named d) {
            if (length > limit) {
                return "…" + String.join("", suffixes);
            }
            String suffix = d.nameSuffix();
            suffixes.push(suffix);
            length += suffix.length();
            c = d.parent();
        }
        StringBuilder name = new StringBuilder(String.valueOf(c)); // a root, or a user-written context
        suffixes.forEach(name::append);
        return name.toString();
    }
}
