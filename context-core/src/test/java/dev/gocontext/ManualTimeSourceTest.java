package dev.gocontext;

import static dev.gocontext.TestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ManualTimeSource}: the clock tests drive deadlines with. */
class ManualTimeSourceTest {
    @Test
    void timeStandsStillUntilAdvanced() {
        ManualTimeSource time = TimeSource.manual(T0);
        assertThat(time.now()).isEqualTo(T0);
        time.advance(Duration.ofSeconds(3));
        assertThat(time.now()).isEqualTo(T0.plusSeconds(3));
        time.advance(Duration.ZERO);
        assertThat(time.now()).isEqualTo(T0.plusSeconds(3));
    }

    @Test
    void timersRunInDueOrderWithTheClockAtTheirDueTimeAndTiesInScheduleOrder() {
        ManualTimeSource time = TimeSource.manual(T0);
        List<String> log = new ArrayList<>();
        time.schedule(() -> log.add("b@" + time.now()), Duration.ofSeconds(2));
        time.schedule(() -> log.add("a@" + time.now()), Duration.ofSeconds(1));
        time.schedule(() -> log.add("c@" + time.now()), Duration.ofSeconds(2));
        time.schedule(
                () -> {
                    log.add("d@" + time.now());
                    time.schedule(() -> log.add("e@" + time.now()), Duration.ofMillis(500));
                },
                Duration.ofMillis(1500));
        assertThat(time.pendingTimers()).isEqualTo(4);
        time.advance(Duration.ofSeconds(10));
        assertThat(log)
                .containsExactly(
                        "a@" + T0.plusSeconds(1),
                        "d@" + T0.plusMillis(1500),
                        "b@" + T0.plusSeconds(2),
                        "c@" + T0.plusSeconds(2),
                        "e@" + T0.plusSeconds(2));
        assertThat(time.now()).isEqualTo(T0.plusSeconds(10));
        assertThat(time.pendingTimers()).isZero();
    }

    @Test
    void stoppedTimersNeverRun() {
        ManualTimeSource time = TimeSource.manual(T0);
        List<String> log = new ArrayList<>();
        Registration r = time.schedule(() -> log.add("x"), Duration.ofSeconds(1));
        assertThat(r.stop()).isTrue();
        assertThat(r.stop()).isFalse();
        time.advance(Duration.ofSeconds(2));
        assertThat(log).isEmpty();
    }

    @Test
    void advancingByAHugeDurationSaturates() {
        ManualTimeSource time = TimeSource.manual(T0);
        time.advance(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(time.now()).isEqualTo(Instant.MAX);
        time.advance(Duration.ofDays(1));
        assertThat(time.now()).isEqualTo(Instant.MAX);
    }

    @Test
    void contextsFindTheirTimeSource() {
        ManualTimeSource time = TimeSource.manual(T0);
        Context root = Context.background().withTimeSource(time);
        assertThat(root.timeSource()).isSameAs(time);
        assertThat(root.withCancel().withValue(Key.of("k"), 1).timeSource()).isSameAs(time);
        assertThat(Context.background().timeSource()).isSameAs(TimeSource.system());
        assertThat(root.withoutCancel().timeSource()).isSameAs(time);
    }
}
