package dev.gocontext.grpc;

import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The servers and channels of one test, over one transport; {@link #close()} shuts all of them
 * down and waits (bounded) until they have terminated.
 */
final class Loopback implements AutoCloseable {
    /** The transports every test runs over. */
    enum Transport {
        /** grpc-inprocess: no sockets, the server's handler runs on gRPC's default executor. */
        IN_PROCESS,
        /** grpc-netty-shaded on 127.0.0.1, a port chosen by the system. */
        NETTY
    }

    private static final AtomicInteger NAMES = new AtomicInteger();

    final Transport transport;
    private final Map<Server, String> targets = new IdentityHashMap<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    Loopback(Transport transport) {
        this.transport = transport;
    }

    /** Starts a server with these services. */
    Server serve(ServerServiceDefinition... services) {
        try {
            if (transport == Transport.IN_PROCESS) {
                String name = "gocontext-test-" + NAMES.incrementAndGet();
                InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
                for (ServerServiceDefinition service : services) {
                    builder.addService(service);
                }
                Server server = builder.build().start();
                targets.put(server, name);
                return server;
            }
            NettyServerBuilder builder =
                    NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            for (ServerServiceDefinition service : services) {
                builder.addService(service);
            }
            Server server = builder.build().start();
            targets.put(server, "127.0.0.1:" + server.getPort());
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A channel to {@code server}, through these interceptors (the first runs first). */
    io.grpc.Channel channel(Server server, ClientInterceptor... interceptors) {
        return ClientInterceptors.intercept(managedChannel(server), interceptors);
    }

    /** A channel to {@code server} without interceptors. */
    ManagedChannel managedChannel(Server server) {
        String target = targets.get(server);
        ManagedChannel channel = transport == Transport.IN_PROCESS
                ? InProcessChannelBuilder.forName(target).build()
                : NettyChannelBuilder.forTarget(target).usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    /** The authority calls to {@code server} have. */
    String authority(Server server) {
        return managedChannel(server).authority();
    }

    @Override
    public void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        targets.keySet().forEach(Server::shutdownNow);
        for (ManagedChannel channel : channels) {
            if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("channel not terminated: " + channel);
            }
        }
        for (Server server : targets.keySet()) {
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("server not terminated: " + server);
            }
        }
    }
}
