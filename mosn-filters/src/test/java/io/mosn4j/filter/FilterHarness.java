package io.mosn4j.filter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.filter.StreamFilterChain;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.config.JsonConfigValue;
import java.lang.reflect.Proxy;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One stream's view for a filter under unit test: a config parsed by the loader bin/mosn uses, the
 * filters a factory's creator adds, and callbacks that record what the filter did (resumed, answered,
 * flags). Timers run on the executor the test hands in.
 */
public final class FilterHarness implements ReceiverFilterCallbacks, SenderFilterCallbacks {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final List<StreamReceiverFilter> filters = new ArrayList<>();
    public final List<ReceiverPhase> phases = new ArrayList<>();
    public final List<StreamSenderFilter> senders = new ArrayList<>();
    /** What requestHeaders() and responseHeaders() answer; null until a test sets them. */
    public Headers requestHeaders;
    public Headers responseHeaders;
    public int reroutes;
    public String protocol = "Http1";
    /** What the filter asked the request to be transcoded with, or null. */
    public io.mosn4j.api.protocol.Transcoder transcoded;
    public volatile LocalReply reply;
    public volatile int resumed;
    public int flags;
    public RouteInfo route;
    public SocketAddress remote;
    public SocketAddress local;
    /** The connection's TLS, or null (plaintext). */
    public io.mosn4j.api.network.DownstreamTls tls;
    public final java.util.Map<String, Object> attributes = new java.util.HashMap<>();
    private final ScheduledExecutorService executor;

    public FilterHarness(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /** {@code json} as the config found at {@code path}. */
    public static ConfigValue config(String json, String path) {
        try {
            return new JsonConfigValue(json == null ? null : JSON.readTree(json), path);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static ConfigValue config(String json) {
        return config(json, "servers[0].listeners[0].stream_filters[0].config");
    }

    /** Runs {@code factory}'s creator for one stream and hands every filter these callbacks. */
    public FilterHarness create(StreamFilterFactory factory, ConfigValue config) {
        return create(factory.create(config));
    }

    /** Runs {@code creator} for one stream and hands every filter these callbacks. */
    public FilterHarness create(StreamFilterFactory.Creator creator) {
        creator.createFilters(new StreamFilterChain() {
            @Override
            public void addReceiverFilter(StreamReceiverFilter filter, ReceiverPhase phase) {
                filters.add(filter);
                phases.add(phase);
                filter.setReceiverCallbacks(FilterHarness.this);
            }

            @Override
            public void addSenderFilter(StreamSenderFilter filter) {
                senders.add(filter);
                filter.setSenderCallbacks(FilterHarness.this);
            }
        });
        return this;
    }

    public StreamReceiverFilter filter() {
        return filters.getFirst();
    }

    public boolean hasFlag(ResponseFlag f) {
        return (flags & f.bit()) != 0;
    }

    /** A route to {@code cluster} carrying {@code perFilter} as its parsed per_filter_config. */
    public static RouteInfo route(String cluster, Map<String, Object> perFilter) {
        return new RouteInfo() {
            @Override
            public String name() {
                return "r";
            }

            @Override
            public String virtualHostName() {
                return "vh";
            }

            @Override
            public String routerName() {
                return "router";
            }

            @Override
            public String clusterName() {
                return cluster;
            }

            @Override
            public Duration timeout() {
                return null;
            }

            @Override
            public LocalReply directResponse() {
                return null;
            }

            @Override
            public Object perFilterConfig(String filterName) {
                return perFilter.get(filterName);
            }
        };
    }

    // ---- callbacks ----

    @Override
    public RequestInfo requestInfo() {
        // only what the built-in filters use; anything else is a test bug
        return (RequestInfo) Proxy.newProxyInstance(RequestInfo.class.getClassLoader(), new Class<?>[] {RequestInfo.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "setResponseFlag" -> {
                        flags |= ((ResponseFlag) args[0]).bit();
                        yield null;
                    }
                    case "responseFlags" -> flags;
                    case "downstreamRemoteAddress" -> remote;
                    case "downstreamLocalAddress" -> local;
                    case "downstreamTls" -> tls;
                    case "upstreamHost" -> null;
                    case "protocol" -> protocol;
                    case "clusterName" -> route == null ? null : route.clusterName();
                    case "setAttribute" -> {
                        attributes.put((String) args[0], args[1]);
                        yield null;
                    }
                    case "attribute" -> attributes.get((String) args[0]);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Override
    public Headers requestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers responseHeaders() {
        return responseHeaders;
    }

    @Override
    public RouteInfo route() {
        return route;
    }

    @Override
    public Variables variables() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledExecutorService executor() {
        return executor;
    }

    @Override
    public void resume() {
        resumed++;
    }

    @Override
    public void sendLocalReply(LocalReply reply) {
        this.reply = reply;
    }

    @Override
    public void resetStream() {
        throw new UnsupportedOperationException();
    }

    @Override
    public FilterStatus stopUntil(CompletionStage<?> stage) {
        throw new UnsupportedOperationException();
    }

    @Override
    public FilterStatus runBlocking(Runnable blocking) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void reroute() {
        reroutes++;
    }

    @Override
    public void transcode(io.mosn4j.api.protocol.Transcoder transcoder) {
        transcoded = transcoder;
    }

    @Override
    public void rechooseHost() {}
}
