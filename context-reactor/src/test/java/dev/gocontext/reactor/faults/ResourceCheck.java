package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gocontext.ContextStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What every fault-injection test checks afterwards: its pools are back to idle, {@link
 * ContextStats#active()} is back to where it was before the test, no context was counted as leaked,
 * Netty reported no {@code LEAK:}, and (when {@link RecordingAllocator} records) no buffer was
 * released after it was freed. Register it with {@code @RegisterExtension}; {@link #watch}
 * the pools the test uses.
 */
final class ResourceCheck implements BeforeEachCallback, AfterEachCallback {
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private final NettyLeaks leaks = NettyLeaks.install();
    private final List<PoolProbe> pools = new ArrayList<>();
    private long activeBefore;
    private long leakedBefore;

    /** Checks {@code pool} after the test (and disposes it). */
    PoolProbe watch(PoolProbe pool) {
        pools.add(pool);
        return pool;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        leaks.clear();
        RecordingAllocator.takeFaults();
        activeBefore = ContextStats.global().active();
        leakedBefore = ContextStats.global().leaked();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            for (PoolProbe pool : pools) {
                await("pool back to idle").atMost(SETTLE).until(pool::idle);
            }
            await("ContextStats.active() back to its baseline")
                    .atMost(SETTLE)
                    .until(() -> ContextStats.global().active() <= activeBefore);
            assertThat(ContextStats.global().leaked()).as("contexts leaked").isEqualTo(leakedBefore);
            assertThat(leaks.collect()).as("Netty leak reports").isEmpty();
            assertThat(RecordingAllocator.takeFaults())
                    .as("buffers released after they were freed (-Dgocontext.recordBuffers=true)")
                    .isEmpty();
        } finally {
            pools.forEach(PoolProbe::dispose);
            pools.clear();
        }
    }
}
