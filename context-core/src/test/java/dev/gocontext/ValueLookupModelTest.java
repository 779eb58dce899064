package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * Value lookups against a model (a map per context), over random chains of withValue, rebinding
 * and cancellable contexts, with more than 64 keys so that keys share filter bits: whatever the
 * layout of the bindings, value() returns the nearest binding, and nothing else.
 */
class ValueLookupModelTest {
    private static final int KEYS = 150; // > 64: some keys share a filter bit

    @RepeatedTest(20)
    void lookupsMatchTheNearestBinding(RepetitionInfo repetition) {
        long seed = 0x5EED_0000L + repetition.getCurrentRepetition();
        SplittableRandom random = new SplittableRandom(seed);
        List<Key<Integer>> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(Key.of("k" + i));
        }
        Context ctx = Context.background();
        Map<Key<Integer>, Integer> model = new HashMap<>();
        for (int step = 0; step < 120; step++) {
            if (random.nextInt(8) == 0) {
                ctx = ctx.withCancel();
            } else {
                // a small pool of keys makes rebinding common; the whole pool makes bits collide
                Key<Integer> key = keys.get(random.nextInt(random.nextBoolean() ? 12 : KEYS));
                ctx = ctx.withValue(key, step);
                model.put(key, step);
            }
            for (Key<Integer> key : keys) {
                assertThat(ctx.value(key))
                        .as("seed %d, step %d, key %s", seed, step, key)
                        .isEqualTo(model.get(key));
            }
        }
    }

    @Test
    void toStringNamesTheContextsOwnBinding() {
        Key<String> a = Key.of("a");
        Key<String> b = Key.of("b");
        Context ctx = Context.background().withValue(b, "2").withValue(a, "1");
        assertThat(ctx.toString()).endsWith(".WithValue(a, 1)");
        assertThat(ctx.withValue(b, "3").toString()).endsWith(".WithValue(b, 3)");
    }
}
