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
    private final ConcurrentHashMap<EventLoop, Object> pools = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<PoolKey, Object> protocolPools = new ConcurrentHashMap<>();

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

    /** The pool of kind {@code P} this host keeps for {@code loop} and {@code protocol}, made on first use. */
    @SuppressWarnings("unchecked")
    public <P> P pool(EventLoop loop, String protocol, Function<EventLoop, P> factory) {
        PoolKey key = new PoolKey(loop, protocol);
        Object p = protocolPools.get(key);
        if (p == null) {
            p = protocolPools.computeIfAbsent(key, k -> factory.apply(loop));
        }
        return (P) p;
    }

    private record PoolKey(EventLoop loop, String protocol) {}

    /** The pool of kind {@code P} this host keeps for {@code loop}, made on first use. */
    @SuppressWarnings("unchecked")
    public <P> P pool(EventLoop loop, Function<EventLoop, P> factory) {
        Object p = pools.get(loop);
        if (p == null) {
            p = pools.computeIfAbsent(loop, factory::apply);
        }
        return (P) p;
    }

    @Override
    public String toString() {
        return address;
    }
}
