package dev.gocontext.samples.web;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import reactor.netty.http.Http2SettingsSpec;

/**
 * How many HTTP/2 stream resets the server takes from one connection per second before it closes
 * the connection: {@code samples.server.http2.max-resets-per-second}, {@value #DEFAULT} by
 * default.
 *
 * <p>Every hop that its ctx cancels over h2c is one stream reset (RST_STREAM), and a chain under
 * short budgets cancels hundreds a second. Netty's guard against reset floods closes a connection
 * after 200 resets in 30 seconds, and with it every other call on that connection. The limit here
 * still stops a flood, which sends tens of thousands a second.
 *
 * <p>Reactor Netty replaces all HTTP/2 settings whenever one is set, and Spring Boot sets one
 * (the largest header list) in a server customizer of its own. This one runs after Boot's
 * ({@link #getOrder()}) and keeps every setting made before it.
 */
@Component
class StreamResetLimit implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {
    static final String PROPERTY = "samples.server.http2.max-resets-per-second";
    static final int DEFAULT = 2000;

    private final int perSecond;

    StreamResetLimit(Environment environment) {
        int configured = environment.getProperty(PROPERTY, Integer.class, DEFAULT);
        if (configured <= 0) {
            throw new IllegalArgumentException(PROPERTY + " must be positive, got " + configured);
        }
        this.perSecond = configured;
    }

    @Override
    public void customize(NettyReactiveWebServerFactory factory) {
        factory.addServerCustomizers(
                server -> server.http2Settings(keeping(server.configuration().http2SettingsSpec())
                        .andThen(h2 -> h2.maxDecodedRstFramesPerWindow(perSecond, 1))));
    }

    /** After Spring Boot's own customizer of the factory (order 0), which sets an HTTP/2 setting. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /** Sets on a builder every setting {@code now} has. */
    private static Consumer<Http2SettingsSpec.Builder> keeping(@Nullable Http2SettingsSpec now) {
        return h2 -> {
            if (now == null) {
                return;
            }
            h2.maxConcurrentStreams(now.maxConcurrentStreams())
                    .maxHeaderListSize(now.maxHeaderListSize())
                    .pingAckDropThreshold(now.pingAckDropThreshold());
            set(now.connectProtocolEnabled(), h2::connectProtocolEnabled);
            set(now.headerTableSize(), h2::headerTableSize);
            set(now.initialWindowSize(), h2::initialWindowSize);
            set(now.maxFrameSize(), h2::maxFrameSize);
            set(now.maxStreams(), h2::maxStreams);
            set(now.pingAckTimeout(), h2::pingAckTimeout);
            Integer encoded = now.maxEncodedRstFramesPerWindow();
            Integer encodedSeconds = now.maxEncodedRstFramesSecondsPerWindow();
            if (encoded != null && encodedSeconds != null) {
                h2.maxEncodedRstFramesPerWindow(encoded, encodedSeconds);
            }
        };
    }

    private static <T> void set(@Nullable T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
