package dev.gocontext.reactor.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerResponse;

/**
 * When {@link ServerConnections#unsentBodyRelease} releases a single-buffer body that Reactor Netty
 * took and may have left behind: at once if nothing went out and the write completed or the
 * connection is gone; at the connection's close if the write was cancelled while it was open (the
 * write may still be taking the body on another thread); never if the response went out.
 */
class UnsentBodyReleaseTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final AtomicBoolean headersSent = new AtomicBoolean();
    private final AtomicInteger releases = new AtomicInteger();
    private final ServerConnections.UnsentBodyRelease unsent =
            ServerConnections.unsentBodyRelease(response(channel, headersSent));

    @Test
    void aCompletedWriteThatSentNothingReleasesAtOnce() {
        unsent.afterWrite(SignalType.ON_COMPLETE, releases::incrementAndGet);
        assertThat(releases).hasValue(1);
    }

    @Test
    void aCancelledWriteOnAGoneConnectionReleasesAtOnce() {
        channel.close().syncUninterruptibly();
        unsent.afterWrite(SignalType.CANCEL, releases::incrementAndGet);
        assertThat(releases).hasValue(1);
    }

    @Test
    void aCancelledWriteOnAnOpenConnectionReleasesWhenItCloses() {
        unsent.afterWrite(SignalType.CANCEL, releases::incrementAndGet);
        assertThat(releases).as("while the connection is open").hasValue(0);
        channel.close().syncUninterruptibly();
        assertThat(releases).as("once it closed").hasValue(1);
    }

    @Test
    void aCancelledWriteWhoseResponseWentOutBeforeTheCloseReleasesNothing() {
        unsent.afterWrite(SignalType.CANCEL, releases::incrementAndGet);
        headersSent.set(true); // the write, on another thread, sent the body after all
        channel.close().syncUninterruptibly();
        assertThat(releases).hasValue(0);
    }

    @Test
    void aWriteWhoseResponseWentOutReleasesNothing() {
        headersSent.set(true);
        unsent.afterWrite(SignalType.ON_COMPLETE, releases::incrementAndGet);
        unsent.afterWrite(SignalType.ON_ERROR, releases::incrementAndGet);
        channel.close().syncUninterruptibly();
        assertThat(releases).hasValue(0);
    }

    /** A response on {@code channel} that tells whether its headers went out from {@code sent}. */
    private static HttpServerResponse response(EmbeddedChannel channel, AtomicBoolean sent) {
        Connection connection = Connection.from(channel);
        return (HttpServerResponse) Proxy.newProxyInstance(
                HttpServerResponse.class.getClassLoader(),
                new Class<?>[] {HttpServerResponse.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "withConnection" -> {
                        @SuppressWarnings("unchecked")
                        Consumer<Connection> use = (Consumer<Connection>) args[0];
                        use.accept(connection);
                        yield proxy;
                    }
                    case "hasSentHeaders" -> sent.get();
                    case "isWebsocket" -> false;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
