package dev.gocontext.samples.web;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import reactor.netty.http.HttpProtocol;

/**
 * The protocol of {@code /chain}'s hops, set by {@code samples.chain.protocol}: {@code h2c} (HTTP/2
 * without TLS, prior knowledge) or {@code http11}.
 *
 * <p>Over h2c a hop that its ctx cancels resets its stream and the connection serves the next
 * hop; over HTTP/1.1 the only way to cancel a request in flight is to close its connection, so
 * every canceled hop costs a new connection (and a socket in TIME_WAIT).
 *
 * <pre>{@code
 * ./demo.sh --samples.chain.protocol=h2c
 * }</pre>
 */
enum ChainProtocol {
    H2C(HttpProtocol.H2C),
    HTTP11(HttpProtocol.HTTP11);

    /** The property that chooses it. */
    static final String PROPERTY = "samples.chain.protocol";

    /** The protocol when the property is not set. */
    static final ChainProtocol DEFAULT = HTTP11;

    private final HttpProtocol netty;

    ChainProtocol(HttpProtocol netty) {
        this.netty = netty;
    }

    /** Reactor Netty's name for it. */
    HttpProtocol netty() {
        return netty;
    }

    /** The value of the property that names it. */
    String propertyValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The protocol named {@code value} (without case).
     *
     * @throws IllegalArgumentException naming the property and the accepted values, if it is none
     */
    static ChainProtocol of(String value) {
        for (ChainProtocol p : values()) {
            if (p.propertyValue().equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException(PROPERTY + " must be one of "
                + Arrays.stream(values()).map(ChainProtocol::propertyValue).collect(Collectors.joining(", "))
                + ", not '" + value + "'");
    }
}
