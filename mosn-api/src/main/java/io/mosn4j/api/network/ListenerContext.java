package io.mosn4j.api.network;

import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.protocol.CodecRegistry;
import io.mosn4j.api.router.Router;
import io.mosn4j.api.upstream.ClusterManager;
import io.mosn4j.api.variable.Variables;
import java.time.Duration;
import java.util.function.Supplier;

/** What a network filter is built with: its listener's settings and the proxy's shared services. */
public interface ListenerContext {
    String listenerName();

    /** How long draining connections get for their requests in flight ({@code graceful_timeout}). */
    Duration gracefulTimeout();

    /**
     * How many bytes a connection may hold in the proxy on behalf of one request, beyond what the
     * sockets buffer ({@code per_connection_buffer_limit_bytes}): what stream filters may buffer.
     */
    int bufferLimit();

    ClusterManager clusterManager();

    CodecRegistry codecs();

    Variables variables();

    /** Where to count what happens (refusals, limits reached); shown by the admin API. */
    default io.mosn4j.api.stats.Stats stats() {
        return io.mosn4j.api.stats.Stats.NONE;
    }

    /** The listener's {@code request_headers_timeout}: see {@link io.mosn4j.api.protocol.ServerContext#requestHeadersTimeout}. */
    default Duration requestHeadersTimeout() {
        return Duration.ZERO;
    }

    /**
     * The process's budget for bytes of frames still arriving
     * ({@code servers[0].partial_frames_buffer_limit_bytes}), for the codecs the filter installs.
     */
    default io.mosn4j.api.protocol.PartialFrameBudget partialFrames() {
        return io.mosn4j.api.protocol.PartialFrameBudget.UNLIMITED;
    }

    /** The listener's {@code access_logs}, one call per finished request; {@link io.mosn4j.api.stream.AccessLog#NONE} without any. */
    default io.mosn4j.api.stream.AccessLog accessLog() {
        return io.mosn4j.api.stream.AccessLog.NONE;
    }

    /** The listener's {@code stream_filters}, parsed, or null when it has none. */
    StreamFilterFactory.Creator streamFilters();

    /**
     * The route table named {@code name}: each {@code get()} returns the current table (an update
     * replaces it), or null while there is none by that name.
     */
    Supplier<Router> router(String name);
}
