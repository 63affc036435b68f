package io.mosn4j.proxy;

import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.protocol.CodecRegistry;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.router.Router;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.upstream.WorkerClusters;
import io.mosn4j.api.variable.Variables;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The {@code proxy} network filter of one filter chain: turns each accepted connection into
 * streams with its protocol's codec (with {@code Auto}, the codec its first bytes name), and each
 * stream into a {@link DownstreamStream}. Shared by the chain's connections; immutable but for the
 * per-loop counters.
 */
final class ProxyFilter implements NetworkFilter {
    /** MOSN's global default when a route sets no timeout. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Envoy's default stream idle timeout: no body bytes either way for this long ends a stream. */
    static final Duration STREAM_IDLE_TIMEOUT = Duration.ofMinutes(5);

    private final ListenerContext listener;
    private final Supplier<Router> router;
    private final StreamFilterFactory.Creator streamFilters;
    /** The one downstream codec, or null for {@code Auto}. */
    private final ProtocolCodec downstream;
    /** What {@code Auto} listens for, in detection order. */
    private final List<ProtocolCodec> detectable;
    /** The upstream codec, or null: the same as each connection's downstream one. */
    private final ProtocolCodec upstream;
    private final Map<ProtocolCodec, ServerContext> serverContexts;
    /** MOSN's {@code downstream{listener}} metrics: its requests (the listener counts connections and bytes). */
    final io.mosn4j.stats.DownstreamMetrics metrics;
    private final ConcurrentHashMap<EventLoop, StreamCounter> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<EventLoop, StreamTimeouts> timeouts = new ConcurrentHashMap<>();

    ProxyFilter(ListenerContext listener, Supplier<Router> router, ProtocolCodec downstream, List<ProtocolCodec> detectable,
                ProtocolCodec upstream, Map<ProtocolCodec, Object> serverOptions) {
        this.listener = listener;
        this.router = router;
        this.streamFilters = listener.streamFilters();
        this.downstream = downstream;
        this.detectable = List.copyOf(detectable);
        this.upstream = upstream;
        Map<ProtocolCodec, ServerContext> contexts = new IdentityHashMap<>();
        serverOptions.forEach((codec, options) -> contexts.put(codec,
                new Context(options, listener.gracefulTimeout(), listener.listenerName(), listener.stats(), listener.requestHeadersTimeout(),
                        listener.partialFrames())));
        this.serverContexts = contexts;
        this.metrics = io.mosn4j.stats.DownstreamMetrics.of(listener.stats(), listener.listenerName());
    }

    @Override
    public void install(Channel channel) {
        // the connection and its bytes count in the listener's metrics where it was accepted, whatever its filters
        if (downstream != null) {
            installCodec(channel, downstream);
            return;
        }
        channel.pipeline().addLast(new ProtocolSniffer(detectable,
                (sniffer, codec) -> installCodec(channel, codec), listener.listenerName())); // codecs go after the sniffer
    }

    private void installCodec(Channel channel, ProtocolCodec codec) {
        ProtocolCodec up = upstream != null ? upstream : codec;
        codec.installServer(channel, new ProxyConnection(this, channel, codec, up), serverContexts.get(codec));
    }

    @Override
    public long activeStreams() {
        long n = 0;
        for (StreamCounter c : counters.values()) {
            n += c.get();
        }
        return n;
    }

    Router router() {
        return router.get();
    }

    StreamFilterFactory.Creator streamFilters() {
        return streamFilters;
    }

    Variables variables() {
        return listener.variables();
    }

    int bufferLimit() {
        return listener.bufferLimit();
    }

    CodecRegistry codecs() {
        return listener.codecs();
    }

    String listenerName() {
        return listener.listenerName();
    }

    io.mosn4j.api.stream.AccessLog accessLog() {
        return listener.accessLog();
    }

    WorkerClusters clusters(EventLoop loop) {
        return listener.clusterManager().forEventLoop(loop);
    }

    StreamCounter counter(EventLoop loop) {
        return counters.computeIfAbsent(loop, l -> new StreamCounter());
    }

    /** The timer wheel of {@code loop}'s streams: one per loop, whatever the number of connections on it. */
    StreamTimeouts timeouts(EventLoop loop) {
        return timeouts.computeIfAbsent(loop, StreamTimeouts::new);
    }

    @Override
    public String toString() {
        String down = downstream == null ? "Auto" : downstream.name();
        String up = upstream == null ? (downstream == null ? "Auto" : downstream.name()) : upstream.name();
        Router r = router.get();
        return "proxy " + down + " -> " + up + " (router " + (r == null ? "?" : r.name()) + ")";
    }

    private record Context(Object options, Duration gracefulTimeout, String listenerName, Stats stats, Duration requestHeadersTimeout,
                           PartialFrameBudget partialFrames) implements ServerContext {}
}
