package dev.gocontext.samples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.mock.env.MockEnvironment;
import reactor.netty.http.Http2SettingsSpec;
import reactor.netty.http.server.HttpServer;

/** The reset limit is set on the server, and every HTTP/2 setting made before it is kept. */
class StreamResetLimitTest {

    @Test
    void setsTheLimitAndKeepsTheSettingsMadeBefore() {
        NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory();
        // as Spring Boot's own customizer does (the largest header list), and more
        factory.addServerCustomizers(server -> server.http2Settings(h2 -> h2.maxHeaderListSize(8192)
                .initialWindowSize(1 << 20)
                .maxStreams(500)
                .pingAckTimeout(Duration.ofSeconds(7))
                .maxEncodedRstFramesPerWindow(300, 10)));
        new StreamResetLimit(new MockEnvironment().withProperty(StreamResetLimit.PROPERTY, "900")).customize(factory);

        Http2SettingsSpec h2 = customized(factory).configuration().http2SettingsSpec();

        assertThat(h2).isNotNull();
        assertThat(h2.maxDecodedRstFramesPerWindow()).isEqualTo(900);
        assertThat(h2.maxDecodedRstFramesSecondsPerWindow()).isEqualTo(1);
        assertThat(h2.maxHeaderListSize()).isEqualTo(8192);
        assertThat(h2.initialWindowSize()).isEqualTo(1 << 20);
        assertThat(h2.maxStreams()).isEqualTo(500);
        assertThat(h2.pingAckTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(h2.maxEncodedRstFramesPerWindow()).isEqualTo(300);
        assertThat(h2.maxEncodedRstFramesSecondsPerWindow()).isEqualTo(10);
    }

    @Test
    void theDefaultIsTwoThousandASecond() {
        NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory();
        new StreamResetLimit(new MockEnvironment()).customize(factory);

        Http2SettingsSpec h2 = customized(factory).configuration().http2SettingsSpec();

        assertThat(h2).isNotNull();
        assertThat(h2.maxDecodedRstFramesPerWindow()).isEqualTo(StreamResetLimit.DEFAULT);
    }

    @Test
    void aLimitThatIsNotPositiveIsRefusedByName() {
        assertThatThrownBy(
                        () -> new StreamResetLimit(new MockEnvironment().withProperty(StreamResetLimit.PROPERTY, "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(StreamResetLimit.PROPERTY)
                .hasMessageContaining("0");
    }

    private static HttpServer customized(NettyReactiveWebServerFactory factory) {
        HttpServer server = HttpServer.create();
        for (NettyServerCustomizer customizer : factory.getServerCustomizers()) {
            server = customizer.apply(server);
        }
        return server;
    }
}
