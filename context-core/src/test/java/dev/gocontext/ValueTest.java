package dev.gocontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Go's {@code WithValue} and {@code Value}, with typed keys of identity semantics. */
class ValueTest {
    // Go's TestValues uses k1 = key1(1), k2 = key2(1), k3 = key2(3): equal-looking keys that differ.
    static final Key<String> K1 = Key.of("k");
    static final Key<String> K2 = Key.of("k");
    static final Key<String> K3 = Key.of("k3");

    private static void check(Context c, String v1, String v2, String v3) {
        assertThat(c.value(K1)).as("%s k1", c).isEqualTo(v1);
        assertThat(c.value(K2)).as("%s k2", c).isEqualTo(v2);
        assertThat(c.value(K3)).as("%s k3", c).isEqualTo(v3);
    }

    /** Go's TestValues, with DelegatingContext as Go's otherContext. */
    @Test
    void goValuesTable() {
        Context c0 = Context.background();
        check(c0, null, null, null);
        Context c1 = Context.background().withValue(K1, "c1k1");
        check(c1, "c1k1", null, null);
        Context c2 = c1.withValue(K2, "c2k2");
        check(c2, "c1k1", "c2k2", null);
        Context c3 = c2.withValue(K3, "c3k3");
        check(c3, "c1k1", "c2k2", "c3k3");
        Context c4 = c3.withValue(K1, null);
        check(c4, null, "c2k2", "c3k3");

        Context o0 = new DelegatingContext(Context.background());
        check(o0, null, null, null);
        Context o1 = new DelegatingContext(Context.background().withValue(K1, "c1k1"));
        check(o1, "c1k1", null, null);
        Context o2 = o1.withValue(K2, "o2k2");
        check(o2, "c1k1", "o2k2", null);
        Context o3 = new DelegatingContext(c4);
        check(o3, null, "c2k2", "c3k3");
        Context o4 = o3.withValue(K3, null);
        check(o4, null, "c2k2", null);
    }

    @Test
    void keysHaveIdentitySemantics() {
        Key<String> a = Key.of("same");
        Key<String> b = Key.of("same");
        assertThat(a).isNotEqualTo(b);
        assertThat(a.name()).isEqualTo("same").isEqualTo(b.name());
        assertThat(a).hasToString("same");
        Context ctx = Context.background().withValue(a, "A");
        assertThat(ctx.value(a)).isEqualTo("A");
        assertThat(ctx.value(b)).isNull();
    }

    @Test
    void nullValueShadowsAndRebindingReplaces() {
        Key<Integer> key = Key.of("n");
        Context one = Context.background().withValue(key, 1);
        Context none = one.withValue(key, null);
        Context two = none.withValue(key, 2);
        assertThat(one.value(key)).isEqualTo(1);
        assertThat(none.value(key)).isNull();
        assertThat(two.value(key)).isEqualTo(2);
        assertThat(one.value(key)).as("the parent is unchanged").isEqualTo(1);
    }

    @Test
    void valuesAreVisibleThroughEveryKindOfContext() {
        ManualTimeSource time = TestSupport.manualClock();
        Key<String> top = Key.of("top");
        Key<String> mid = Key.of("mid");
        Context ctx = TestSupport.rootOn(time).withValue(top, "t");
        ctx = ctx.withCancel().withTimeout(Duration.ofSeconds(5)).withValue(mid, "m");
        ctx = new DelegatingContext(ctx)
                .withDeadline(TestSupport.T0.plusSeconds(1))
                .withoutCancel();
        CancellableContext leaf = ctx.withCancel();
        assertThat(leaf.value(top)).isEqualTo("t");
        assertThat(leaf.value(mid)).isEqualTo("m");
        assertThat(leaf.value(Key.<String>of("top"))).isNull();
        leaf.cancel();
        assertThat(leaf.value(top)).as("values stay readable after cancel").isEqualTo("t");
    }

    @Test
    void valuesOfAUserWrittenContextAreConsultedForKeysNotBoundBelowIt() {
        Key<String> user = Key.of("user");
        Key<String> below = Key.of("below");
        Context custom =
                new FutureContext(Context.background().withValue(user, "from custom"), java.util.Optional.empty());
        Context ctx = custom.withValue(below, "b").withCancel().withValue(Key.of("x"), "x");
        assertThat(ctx.value(user)).isEqualTo("from custom");
        assertThat(ctx.value(below)).isEqualTo("b");
        assertThat(ctx.withValue(user, "shadowed").value(user)).isEqualTo("shadowed");
    }

    /** ValueContext flattens up to 32 bindings per segment; chains far beyond that still work. */
    @Test
    void moreThan32BindingsOnAChainWithRebindingAcrossSegments() {
        List<Key<Integer>> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            keys.add(Key.of("key" + i));
        }
        Context ctx = Context.background();
        List<Context> chain = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ctx = ctx.withValue(keys.get(i), i);
            if (i % 7 == 0) {
                ctx = ctx.withCancel();
            }
            chain.add(ctx);
        }
        for (int depth = 0; depth < 100; depth++) {
            Context c = chain.get(depth);
            for (int i = 0; i < 100; i++) {
                assertThat(c.value(keys.get(i))).as("depth %d key %d", depth, i).isEqualTo(i <= depth ? i : null);
            }
        }
        // rebind keys from the first, second and last segments, then bind them to null
        Context rebound = ctx.withValue(keys.get(0), -0)
                .withValue(keys.get(40), -40)
                .withValue(keys.get(99), -99)
                .withValue(keys.get(0), 1000);
        assertThat(rebound.value(keys.get(0))).isEqualTo(1000);
        assertThat(rebound.value(keys.get(40))).isEqualTo(-40);
        assertThat(rebound.value(keys.get(99))).isEqualTo(-99);
        assertThat(rebound.value(keys.get(50))).isEqualTo(50);
        Context nulled = rebound.withValue(keys.get(40), null);
        assertThat(nulled.value(keys.get(40))).isNull();
        assertThat(ctx.value(keys.get(40))).isEqualTo(40);
    }

    @Test
    void rebindingTheSameKeyManyTimesKeepsTheNewest() {
        Key<Integer> key = Key.of("counter");
        Key<Integer> other = Key.of("other");
        Context ctx = Context.background().withValue(other, -1);
        for (int i = 0; i < 200; i++) {
            ctx = ctx.withValue(key, i);
            assertThat(ctx.value(key)).isEqualTo(i);
        }
        assertThat(ctx.value(other)).isEqualTo(-1);
    }

    @Test
    void lookupsThroughAChainOf100000ContextsDoNotOverflowTheStack() {
        Key<Integer> key = Key.of("depth");
        Key<String> top = Key.of("top");
        try (CancellableContext root =
                Context.background().withValue(top, "root").withCancel()) {
            List<Context> chain = TestSupport.chain(root, 100_000, key);
            Context leaf = chain.get(chain.size() - 1);
            assertThat(leaf.value(key)).isEqualTo(99_999);
            assertThat(leaf.value(top)).isEqualTo("root");
            assertThat(leaf.value(Key.<String>of("missing"))).isNull();
        }
    }

    @Test
    void lookupsAndDeadlineThroughAChainOf100000CancelContextsDoNotOverflowTheStack() {
        Key<String> top = Key.of("top");
        ManualTimeSource time = TestSupport.manualClock();
        try (CancellableContext root =
                TestSupport.rootOn(time).withValue(top, "root").withTimeout(Duration.ofSeconds(1))) {
            Context leaf = root;
            for (int i = 0; i < 100_000; i++) {
                leaf = leaf.withCancel();
            }
            assertThat(leaf.value(top)).isEqualTo("root");
            assertThat(leaf.value(Key.<String>of("missing"))).isNull();
            assertThat(leaf.deadline()).contains(TestSupport.T0.plusSeconds(1));
            Context free = leaf.withoutCancel();
            for (int i = 0; i < 100_000; i++) {
                free = free.withoutCancel();
            }
            assertThat(free.value(top)).isEqualTo("root");
            time.advance(Duration.ofSeconds(1));
            assertThat(leaf.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        }
    }
}
