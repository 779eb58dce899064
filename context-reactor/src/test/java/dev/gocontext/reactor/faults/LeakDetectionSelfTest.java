package dev.gocontext.reactor.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The suite's leak check can fail: a buffer dropped unreleased on purpose is reported. */
class LeakDetectionSelfTest {

    @Test
    void aBufferDroppedUnreleasedIsReported() {
        NettyLeaks leaks = NettyLeaks.install();
        assertThat(NettyLeaks.paranoid()).isTrue();
        leaks.clear();
        NettyLeaks.leakOne();
        await().atMost(Duration.ofSeconds(10)).until(() -> !leaks.collect().isEmpty());
        assertThat(leaks.collect()).first().asString().contains("LEAK:");
        leaks.clear();
    }
}
