package io.mosn4j.it;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * java-control-plane as the real xDS server, on 127.0.0.1: a {@link SimpleCache} (one group for
 * every node) whose snapshot a test sets, served by its {@link V3DiscoveryServer} over ADS. Every
 * request the proxy sends is recorded, so a test can assert ACKs and NACKs as the server saw them.
 * {@link #stop()} and {@link #start()} again on the same port simulate a control plane restart.
 */
final class XdsServer implements AutoCloseable {
    final int port;
    /** A Unix socket path to serve on instead of the TCP port (Istio's agent serves ./etc/istio/proxy/XDS), or null. */
    private final java.nio.file.Path pipe;
    final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
    /** The delta xDS requests, when the proxy speaks delta. */
    final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
    private final SimpleCache<String> cache = new SimpleCache<>(node -> "all");
    private Server server;

    XdsServer(int port) {
        this.port = port;
        this.pipe = null;
    }

    XdsServer(java.nio.file.Path pipe) {
        this.port = -1;
        this.pipe = pipe;
    }

    XdsServer start() throws IOException {
        DiscoveryServerCallbacks callbacks = new DiscoveryServerCallbacks() {
            @Override
            public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
                requests.add(request);
            }

            @Override
            public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
                deltaRequests.add(request);
            }
        };
        V3DiscoveryServer discovery = new V3DiscoveryServer(callbacks, cache);
        NettyServerBuilder b;
        if (pipe == null) {
            b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port));
        } else {
            var group = new io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup(1);
            b = NettyServerBuilder.forAddress(new io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress(pipe.toString()))
                    .channelType(io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(group).workerEventLoopGroup(group);
        }
        server = b.addService(discovery.getAggregatedDiscoveryServiceImpl()).build().start();
        return this;
    }

    void set(Snapshot snapshot) {
        cache.setSnapshot("all", snapshot);
    }

    /** Stops serving: open streams end, the port refuses connections. */
    void stop() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** The first request (from now on, counting those already recorded) that {@code test} accepts, waiting up to {@code limit}. */
    DiscoveryRequest await(Predicate<DiscoveryRequest> test, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            for (DiscoveryRequest r : requests) {
                if (test.test(r)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such xDS request within " + limit + "; got " + requests.size() + " requests: "
                + requests.stream().map(r -> r.getTypeUrl().replaceAll(".*\\.", "") + " v=" + r.getVersionInfo() + " nonce="
                + r.getResponseNonce() + " names=" + r.getResourceNamesList() + (r.hasErrorDetail() ? " NACK " + r.getErrorDetail().getMessage() : ""))
                .toList());
    }

    /** The first delta request that {@code test} accepts, waiting up to {@code limit}. */
    DeltaDiscoveryRequest awaitDelta(Predicate<DeltaDiscoveryRequest> test, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            for (DeltaDiscoveryRequest r : deltaRequests) {
                if (test.test(r)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such delta xDS request within " + limit + "; got " + deltaRequests.size() + " requests: "
                + deltaRequests.stream().map(r -> r.getTypeUrl().replaceAll(".*\\.", "") + " nonce=" + r.getResponseNonce()
                + " +" + r.getResourceNamesSubscribeList() + " -" + r.getResourceNamesUnsubscribeList()
                + " initial=" + r.getInitialResourceVersionsMap().keySet()
                + (r.hasErrorDetail() ? " NACK " + r.getErrorDetail().getMessage() : "")).toList());
    }

    @Override
    public void close() throws InterruptedException {
        if (server != null) {
            stop();
        }
    }
}
