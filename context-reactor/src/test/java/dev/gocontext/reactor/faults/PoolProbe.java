package dev.gocontext.reactor.faults;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

/**
 * A Reactor Netty connection pool whose metrics the test can read: how many connections are
 * acquired (in use), pending, idle, for every remote address it has pooled.
 */
final class PoolProbe implements ConnectionProvider.MeterRegistrar {
    private final List<ConnectionPoolMetrics> pools = new CopyOnWriteArrayList<>();
    private final ConnectionProvider provider;

    private PoolProbe(String name, int maxConnections, Duration pendingAcquireTimeout) {
        this.provider = ConnectionProvider.builder(name)
                .maxConnections(maxConnections)
                .pendingAcquireTimeout(pendingAcquireTimeout)
                .pendingAcquireMaxCount(-1) // calls wait their turn; only the timeout fails them
                .metrics(true, () -> this)
                .build();
    }

    /** A pool of {@code maxConnections} per remote address; a call waits at most {@code pendingAcquireTimeout} for one. */
    static PoolProbe of(String name, int maxConnections, Duration pendingAcquireTimeout) {
        return new PoolProbe(name, maxConnections, pendingAcquireTimeout);
    }

    ConnectionProvider provider() {
        return provider;
    }

    @Override
    public void registerMetrics(
            String poolName, String id, SocketAddress remoteAddress, ConnectionPoolMetrics metrics) {
        pools.add(metrics);
    }

    /** No connection in use and no call waiting for one, in any of the pool's address pools. */
    boolean idle() {
        return pools.stream().allMatch(m -> m.acquiredSize() == 0 && m.pendingAcquireSize() == 0);
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
        StringBuilder s = new StringBuilder("pool[");
        for (ConnectionPoolMetrics m : pools) {
            s.append(" acquired=")
                    .append(m.acquiredSize())
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
