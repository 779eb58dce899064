package dev.gocontext;

import java.util.ArrayDeque;

/**
 * A context this library derived from a parent. Its name is Go's: the parent's name plus a
 * suffix ({@code context.Background.WithCancel.WithValue(user, alice)}), built in a loop so that
 * chains of any depth can be named.
 */
interface Derived {
    /** The context this one was derived from. */
    Context parent();

    /** What this context adds to its parent's name, e.g. {@code ".WithCancel"}. */
    String nameSuffix();

    /** The full name of {@code ctx}. */
    static String nameOf(Derived ctx) {
        ArrayDeque<String> suffixes = new ArrayDeque<>();
        Object c = ctx;
        while (c instanceof Derived d) {
            suffixes.push(d.nameSuffix());
            c = d.parent();
        }
        StringBuilder name = new StringBuilder(String.valueOf(c)); // a root, or a user-written context
        suffixes.forEach(name::append);
        return name.toString();
    }
}
