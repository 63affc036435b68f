package io.mosn4j.proxy;

import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.loop.LoopClock;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;

/** The record of one request, filled by the proxy core as the request moves along. */
final class StreamInfo implements RequestInfo {
    private final ProxyConnection connection;
    /** Wall-clock start, worked out when first asked for (an access log's start_time): -1 until then. */
    private long startMillis = -1;
    private final long startNanos;
    long requestReceived = -1;
    long responseReceived = -1;
    long requestFinished = -1;
    String upstreamProtocol;
    long bytesReceived;
    long bytesSent;
    RouteInfo route;
    String clusterName;
    HostInfo upstreamHost;
    SocketAddress upstreamLocalAddress;
    int responseCode;
    int rpcStatus = -1;
    long rpcRequestId = -1;
    long upstreamConnectionId = -1;
    private int flags;
    Headers requestHeaders;
    Headers responseHeaders;
    private Map<String, Object> attributes;
    private final boolean exact;

    /**
     * The request starts at its loop's turn's clock reading ({@link LoopClock}): its bytes were
     * there when the turn began.
     *
     * @param exact whether the later times are read from the clock itself, for an access log: the
     *     turn's reading would show the proxy's own few microseconds of a request (a response
     *     received and sent in one turn) as 0. Without one the metrics' request times take the
     *     turn's reading, which saved two clock reads a request (~4% of a bolt call's CPU).
     */
    StreamInfo(ProxyConnection connection, boolean exact) {
        this.connection = connection;
        this.exact = exact;
        this.startNanos = LoopClock.nanoTime();
    }

    long sinceStart() {
        return (exact ? System.nanoTime() : LoopClock.nanoTime()) - startNanos;
    }

    @Override
    public long startTimeMillis() {
        if (startMillis < 0) {
            // worked out when asked (an access log), from the monotonic start: no clock read per
            // request for the many that nobody logs, and on a loop none at all
            startMillis = LoopClock.epochMillis(startNanos);
        }
        return startMillis;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public long requestReceivedNanos() {
        return requestReceived;
    }

    @Override
    public long responseReceivedNanos() {
        return responseReceived;
    }

    @Override
    public long requestFinishedNanos() {
        return requestFinished;
    }

    @Override
    public String protocol() {
        return connection.protocol();
    }

    @Override
    public String upstreamProtocol() {
        return upstreamProtocol;
    }

    @Override
    public long bytesReceived() {
        return bytesReceived;
    }

    @Override
    public long bytesSent() {
        return bytesSent;
    }

    @Override
    public String listenerName() {
        return connection.listenerName();
    }

    @Override
    public String routerName() {
        return route == null ? null : route.routerName();
    }

    @Override
    public String virtualHostName() {
        return route == null ? null : route.virtualHostName();
    }

    @Override
    public String routeName() {
        return route == null ? null : route.name();
    }

    @Override
    public String clusterName() {
        return clusterName;
    }

    @Override
    public HostInfo upstreamHost() {
        return upstreamHost;
    }

    @Override
    public SocketAddress upstreamLocalAddress() {
        return upstreamLocalAddress;
    }

    @Override
    public SocketAddress downstreamLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public SocketAddress downstreamRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public long connectionId() {
        return connection.id();
    }

    @Override
    public DownstreamTls downstreamTls() {
        return connection.tls();
    }

    @Override
    public int responseCode() {
        return responseCode;
    }

    @Override
    public int rpcStatus() {
        return rpcStatus;
    }

    @Override
    public long rpcRequestId() {
        return rpcRequestId;
    }

    @Override
    public long upstreamConnectionId() {
        return upstreamConnectionId;
    }

    @Override
    public int responseFlags() {
        return flags;
    }

    @Override
    public void setResponseFlag(ResponseFlag flag) {
        flags |= flag.bit();
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
    public Object attribute(String key) {
        return attributes == null ? null : attributes.get(key);
    }

    @Override
    public void setAttribute(String key, Object value) {
        if (attributes == null) {
            attributes = new HashMap<>(4);
        }
        attributes.put(key, value);
    }
}
