package dev.gocontext.reactor.faults;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import reactor.netty.http.client.Http2AllocationStrategy;
import reactor.netty.http.client.HttpConnectionPoolMetrics;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

/**
 * A Reactor Netty connection pool whose metrics the test can read: what is in use, pending, idle,
 * for every remote address it has pooled. For HTTP/1.1 ({@link #of}) what is in use is connections;
 * for h2c ({@link #h2c}) it is the HTTP/2 pool's streams (the HTTP/1.1 pool under it holds every
 * open HTTP/2 connection as acquired, for as long as the connection lives).
 */
final class PoolProbe implements ConnectionProvider.MeterRegistrar {
    private final List<ConnectionPoolMetrics> pools = new CopyOnWriteArrayList<>();
    private final boolean http2;
    private final ConnectionProvider provider;

    private PoolProbe(
            String name,
            int maxConnections,
            Duration pendingAcquireTimeout,
            boolean http2,
            UnaryOperator<ConnectionProvider.Builder> more) {
        this.http2 = http2;
        this.provider = more.apply(ConnectionProvider.builder(name)
                        .maxConnections(maxConnections)
                        .pendingAcquireTimeout(pendingAcquireTimeout)
                        .pendingAcquireMaxCount(-1) // calls wait their turn; only the timeout fails them
                        .metrics(true, () -> this))
                .build();
    }

    /** A pool of {@code maxConnections} per remote address; a call waits at most {@code pendingAcquireTimeout} for one. */
    static PoolProbe of(String name, int maxConnections, Duration pendingAcquireTimeout) {
        return new PoolProbe(name, maxConnections, pendingAcquireTimeout, false, UnaryOperator.identity());
    }

    /**
     * A pool for h2c calls of {@code maxConnections} per remote address, each carrying at most
     * {@code streamsPerConnection} streams (0: as many as the server allows).
     */
    static PoolProbe h2c(String name, int maxConnections, int streamsPerConnection, Duration pendingAcquireTimeout) {
        return new PoolProbe(
                name,
                maxConnections,
                pendingAcquireTimeout,
                true,
                builder -> streamsPerConnection == 0
                        ? builder
                        : builder.allocationStrategy(Http2AllocationStrategy.builder()
                                .maxConnections(maxConnections)
                                .minConnections(0)
                                .maxConcurrentStreams(streamsPerConnection)
                                .build()));
    }

    ConnectionProvider provider() {
        return provider;
    }

    @Override
    public void registerMetrics(
            String poolName, String id, SocketAddress remoteAddress, ConnectionPoolMetrics metrics) {
        if (!http2 || poolName.startsWith("http2.")) {
            pools.add(metrics);
        }
    }

    /** What the pool counts as in use: connections, or for h2c streams (its acquiredSize counts connections). */
    private int inUse(ConnectionPoolMetrics metrics) {
        return http2 ? ((HttpConnectionPoolMetrics) metrics).activeStreamSize() : metrics.acquiredSize();
    }

    /** Nothing in use and no call waiting, in any of the pool's address pools. */
    boolean idle() {
        return pools.stream().allMatch(m -> inUse(m) == 0 && m.pendingAcquireSize() == 0);
    }

    /** Calls waiting for a connection, across the address pools. */
    int pending() {
        return pools.stream()
                .mapToInt(ConnectionPoolMetrics::pendingAcquireSize)
                .sum();
    }

    /** Connections open (idle or in use) across the address pools. */
    int allocated() {
        return pools.stream().mapToInt(ConnectionPoolMetrics::allocatedSize).sum();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(http2 ? "http2 pool[" : "pool[");
        for (ConnectionPoolMetrics m : pools) {
            s.append(http2 ? " streams=" : " acquired=")
                    .append(inUse(m))
                    .append(" pending=")
                    .append(m.pendingAcquireSize())
                    .append(" idle=")
                    .append(m.idleSize())
                    .append(" allocated=")
                    .append(m.allocatedSize());
        }
        return s.append(" ]").toString();
    }

    void dispose() {
        provider.disposeLater().block(Duration.ofSeconds(10));
    }
}
