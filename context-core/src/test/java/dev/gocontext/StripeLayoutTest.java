package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;
import sun.misc.Unsafe;

/**
 * The memory layout of a {@link CancelNode.Stripe}, as this JVM lays it out: the fields its
 * thread touches on every registration (the lock, the head, the node) come before at least 64
 * bytes of padding, so that whatever object the collector places after a stripe never shares
 * their cache line. The JVM decides the order of fields, so this reads it rather than assuming it.
 */
class StripeLayoutTest {
    private static final int CACHE_LINE = 64;

    @Test
    void theFieldsAThreadTouchesComeBeforeACacheLineOfPadding() throws Exception {
        Unsafe unsafe = unsafe();
        Class<?> padded =
                CancelNode.Stripe.of(new CancelNode(Context.background())).getClass();
        long hotEnd = 0;
        for (Field hot : new Field[] {
            Waiter.List.class.getDeclaredField("locked"),
            Waiter.List.class.getDeclaredField("head"),
            CancelNode.Stripe.class.getDeclaredField("node")
        }) {
            hotEnd = Math.max(hotEnd, unsafe.objectFieldOffset(hot) + size(hot.getType(), unsafe));
        }
        long end = 0;
        for (Class<?> c = padded; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    end = Math.max(end, unsafe.objectFieldOffset(f) + size(f.getType(), unsafe));
                }
            }
        }
        assertThat(end - hotEnd)
                .as(
                        "bytes of the stripe after the last field its thread touches (lock, head and node end at %d)",
                        hotEnd)
                .isGreaterThanOrEqualTo(CACHE_LINE);
    }

    /** The bytes a field of {@code type} takes: a reference takes 4 or 8, as the JVM runs. */
    private static long size(Class<?> type, Unsafe unsafe) {
        if (type == long.class || type == double.class) {
            return 8;
        } else if (type == int.class || type == float.class) {
            return 4;
        } else if (type == short.class || type == char.class) {
            return 2;
        } else if (type == byte.class || type == boolean.class) {
            return 1;
        }
        return unsafe.arrayIndexScale(Object[].class);
    }

    private static Unsafe unsafe() throws ReflectiveOperationException {
        Field f = Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (Unsafe) f.get(null);
    }
}
