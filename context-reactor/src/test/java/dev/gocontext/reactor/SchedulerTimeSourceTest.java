package dev.gocontext.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gocontext.CancellableContext;
import dev.gocontext.Context;
import dev.gocontext.Registration;
import dev.gocontext.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/** {@link SchedulerTimeSource} and the clock decision of {@link TimerPolicy}. */
class SchedulerTimeSourceTest {

    @Test
    void aVirtualTimeSchedulerDrivesCtxDeadlines() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        Context root = Context.background().withTimeSource(SchedulerTimeSource.of(vts));
        CancellableContext ctx = root.withTimeout(Duration.ofSeconds(3));
        assertThat(ctx.deadline()).contains(Instant.EPOCH.plusSeconds(3));
        vts.advanceTimeBy(Duration.ofMillis(2999));
        assertThat(ctx.err()).isNull();
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(ctx.err()).isSameAs(Context.DEADLINE_EXCEEDED);
        vts.dispose();
    }

    @Test
    void nowFollowsTheScheduler() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        SchedulerTimeSource time = SchedulerTimeSource.of(vts);
        assertThat(time.now()).isEqualTo(Instant.EPOCH);
        vts.advanceTimeBy(Duration.ofNanos(1_500_000_001L));
        assertThat(time.now()).isEqualTo(Instant.EPOCH.plusNanos(1_500_000_001L));
        assertThat(time.scheduler()).isSameAs(vts);
        vts.dispose();
    }

    @Test
    void stopKeepsTheTaskFromRunningExactlyOnce() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        SchedulerTimeSource time = SchedulerTimeSource.of(vts);
        AtomicInteger runs = new AtomicInteger();
        Registration stopped = time.schedule(runs::incrementAndGet, Duration.ofSeconds(1));
        assertThat(stopped.stop()).isTrue();
        assertThat(stopped.stop()).isFalse();
        Registration ran = time.schedule(runs::incrementAndGet, Duration.ofSeconds(1));
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(runs).hasValue(1);
        assertThat(ran.stop()).isFalse();
        vts.dispose();
    }

    @Test
    void aDelayOfForeverIsNeverScheduled() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        SchedulerTimeSource time = SchedulerTimeSource.of(vts);
        vts.advanceTimeBy(Duration.ofSeconds(1)); // "now + delay" would overflow from here
        AtomicInteger runs = new AtomicInteger();
        Registration never = time.schedule(runs::incrementAndGet, Duration.ofSeconds(Long.MAX_VALUE));
        vts.advanceTimeBy(Duration.ofDays(365 * 100));
        assertThat(runs).hasValue(0);
        assertThat(never.stop()).as("it was kept from running").isTrue();
        assertThat(never.stop()).isFalse();
        vts.dispose();
    }

    @Test
    void theParallelSourceFollowsWhateverParallelIs() {
        assertThat(SchedulerTimeSource.parallel().scheduler()).isSameAs(Schedulers.parallel());
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        try {
            assertThat(TimerPolicy.unwrap(SchedulerTimeSource.parallel().scheduler()))
                    .isSameAs(vts);
            assertThat(SchedulerTimeSource.parallel().now()).isEqualTo(Instant.EPOCH);
        } finally {
            VirtualTimeScheduler.reset();
        }
    }

    @Test
    void theSystemClockIsReactorsClockOnlyWhenParallelIsReal() {
        assertThat(TimerPolicy.sameClockAsReactor(TimeSource.system())).isTrue();
        assertThat(TimerPolicy.sameClockAsReactor(SchedulerTimeSource.parallel()))
                .isTrue();
        assertThat(TimerPolicy.sameClockAsReactor(TimeSource.manual(Instant.EPOCH)))
                .isFalse();
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        try {
            assertThat(TimerPolicy.sameClockAsReactor(TimeSource.system())).isFalse();
            assertThat(TimerPolicy.sameClockAsReactor(SchedulerTimeSource.of(vts)))
                    .isTrue();
            assertThat(TimerPolicy.sameClockAsReactor(SchedulerTimeSource.parallel()))
                    .isTrue();
        } finally {
            VirtualTimeScheduler.reset();
        }
    }

    @Test
    void remainingTimeIsRoundedUpToTheMillisecond() {
        assertThat(TimerPolicy.roundUpToMillis(1_000_000)).isEqualTo(1_000_000);
        assertThat(TimerPolicy.roundUpToMillis(999_999)).isEqualTo(1_000_000);
        assertThat(TimerPolicy.roundUpToMillis(4_999_990_000L)).isEqualTo(5_000_000_000L);
        assertThat(TimerPolicy.roundUpToMillis(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertThatThrownBy(() -> SchedulerTimeSource.of(null)).hasMessage("scheduler");
        assertThatThrownBy(() -> SchedulerTimeSource.parallel().schedule(null, Duration.ZERO))
                .hasMessage("task");
        assertThatThrownBy(() -> SchedulerTimeSource.parallel().schedule(() -> {}, null))
                .hasMessage("delay");
    }
}
