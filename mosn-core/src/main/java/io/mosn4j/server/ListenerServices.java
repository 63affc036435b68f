package io.mosn4j.server;

import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.protocol.CodecRegistry;
import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.router.Router;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.AccessLog;
import io.mosn4j.api.upstream.ClusterManager;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.router.RouterManager;
import java.time.Duration;
import java.util.function.Supplier;

/** What the network filters of one listener are built with. */
record ListenerServices(String listenerName, Duration gracefulTimeout, int bufferLimit, ClusterManager clusterManager,
                        CodecRegistry codecs, Variables variables, StreamFilterFactory.Creator streamFilters,
                        RouterManager routers, Stats stats, Duration requestHeadersTimeout,
                        PartialFrameBudget partialFrames, AccessLog accessLog) implements ListenerContext {
    @Override
    public Supplier<Router> router(String name) {
        return routers.slot(name);
    }
}
