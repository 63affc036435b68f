package io.mosn4j.upstream;

import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An upstream host of a cluster. Its connection pools are per event loop, so a downstream
 * connection reaches its upstreams without locks or thread hops.
 */
public final class Host {
    private final String address;
    private final InetSocketAddress socketAddress;
    private final int weight;
    private final ConcurrentHashMap<EventLoop, ConcurrentHashMap<String, Object>> pools = new ConcurrentHashMap<>();

    public Host(String address, InetSocketAddress socketAddress, int weight) {
        this.address = address;
        this.socketAddress = socketAddress;
        this.weight = weight;
    }

    public String address() {
        return address;
    }

    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public int weight() {
        return weight;
    }

    /**
     * The pool of kind {@code P} this host keeps for {@code loop} and {@code protocol}, made on
     * first use: an HTTP/1 and an HTTP/2 pool to the same host live side by side.
     */
    /** The pool for {@code loop} and {@code protocol} if one was made, else null (no allocation). */
    public Object existingPool(EventLoop loop, String protocol) {
        ConcurrentHashMap<String, Object> byProtocol = pools.get(loop);
        return byProtocol == null ? null : byProtocol.get(protocol);
    }

    @SuppressWarnings("unchecked")
    public <P> P pool(EventLoop loop, String protocol, Function<EventLoop, P> factory) {
        ConcurrentHashMap<String, Object> byProtocol = pools.get(loop);
        if (byProtocol == null) {
            byProtocol = pools.computeIfAbsent(loop, l -> new ConcurrentHashMap<>(4));
        }
        Object p = byProtocol.get(protocol);
        if (p == null) {
            p = byProtocol.computeIfAbsent(protocol, k -> factory.apply(loop));
        }
        return (P) p;
    }

    @Override
    public String toString() {
        return address;
    }
}
