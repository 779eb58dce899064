package dev.gocontext;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed key for {@link Context#withValue(Key, Object)} and {@link Context#value(Key)}, with
 * identity semantics: two keys with the same name are different keys. This is the Java form of
 * Go's advice to use an unexported key type, so that packages never collide.
 *
 * <pre>{@code
 * static final Key<String> TRACE_ID = Key.of("trace_id");
 *
 * Context ctx = Context.background().withValue(TRACE_ID, "12345");
 * String id = ctx.value(TRACE_ID);   // "12345", no cast
 * }</pre>
 *
 * @param <T> the type of the values bound to this key
 */
@SuppressWarnings("UnusedTypeParameter") // T types the values, at compile time only
public final class Key<T> {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;

    /**
     * This key's bit in the 64-bit filter of value contexts. Keys get the bits in creation order,
     * so the first 64 keys of a JVM (in practice: all the static ones) have distinct bits, which
     * lets a value context find a binding by the bit's rank; see {@link ValueContext}.
     */
    final long bit;

    private Key(String name) {
        this.name = name;
        this.bit = 1L << (SEQUENCE.getAndIncrement() & 63);
    }

    /**
     * Creates a new key. Each call returns a distinct key, whatever the name.
     *
     * @param name a name for {@link #toString()} and debugging only
     * @param <T> the type of the values bound to the key
     * @throws NullPointerException if {@code name} is null
     */
    public static <T> Key<T> of(String name) {
        return new Key<>(Objects.requireNonNull(name, "name"));
    }

    /** The name given to {@link #of(String)}. */
    public String name() {
        return name;
    }

    /** The name. */
    @Override
    public String toString() {
        return name;
    }
}
