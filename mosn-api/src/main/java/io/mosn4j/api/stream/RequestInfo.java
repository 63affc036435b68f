package io.mosn4j.api.stream;

import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.upstream.HostInfo;
import java.net.SocketAddress;

/**
 * What happened to one request, filled in as it moves through the proxy (codec, filters, router,
 * upstream) and read by whatever observes it (access logs, metrics, tracing, filters, variables).
 * One per stream; observers never reach into the proxy's own fields.
 *
 * <p>Written only on the stream's event loop; read there, or after the stream ended.
 * Durations are nanoseconds from {@link #startNanos()}, or -1 when the point was not reached.
 */
public interface RequestInfo {

    /** When the request's headers arrived, in milliseconds since the epoch. */
    long startTimeMillis();

    /** {@link System#nanoTime()} when the request's headers arrived. */
    long startNanos();

    /** Until the request's last byte arrived. */
    long requestReceivedNanos();

    /** Until the upstream's response headers arrived (or a local reply was sent). */
    long responseReceivedNanos();

    /** Until the stream ended: the response's last byte written, or a reset. */
    long requestFinishedNanos();

    /** The downstream protocol ({@code Http1}, {@code Http2}, {@code bolt}, ...). */
    String protocol();

    /** The protocol the request went upstream in, or null when it did not. */
    String upstreamProtocol();

    /** Request body bytes received from the client. */
    long bytesReceived();

    /** Response body bytes sent to the client. */
    long bytesSent();

    String listenerName();

    /** The matched route table's, virtual host's and route's names, or null. */
    String routerName();

    String virtualHostName();

    String routeName();

    /** The cluster the request was routed to, or null. */
    String clusterName();

    /** The host chosen for the request (the last one, after retries), or null. */
    HostInfo upstreamHost();

    /** The local address of the upstream connection, or null. */
    SocketAddress upstreamLocalAddress();

    SocketAddress downstreamLocalAddress();

    SocketAddress downstreamRemoteAddress();

    /** The downstream connection's id, unique in this process. */
    long connectionId();

    /**
     * The TLS the listener terminated on the downstream connection (server name, the client's
     * certificate), or null for a plaintext connection.
     */
    default DownstreamTls downstreamTls() {
        return null;
    }

    /** The TLS server name (SNI) the client asked for, or null (plaintext, or none sent): {@code %requested_server_name%}. */
    default String requestedServerName() {
        DownstreamTls tls = downstreamTls();
        return tls == null ? null : tls.serverName();
    }

    /** The response status sent to the client (HTTP status; the HTTP status of an RPC local reply), or 0. */
    int responseCode();

    /**
     * An RPC response's status in its protocol's own numbers (bolt 0 = success), as the upstream
     * sent it, or -1 (HTTP, a local reply, no response).
     */
    default int rpcStatus() {
        return -1;
    }

    /** An RPC request's id as the client sent it, or -1 (HTTP). */
    default long rpcRequestId() {
        return -1;
    }

    /** The id of the upstream connection the request went out on (the last, after retries), or -1. */
    default long upstreamConnectionId() {
        return -1;
    }

    /** The {@link ResponseFlag#bit()}s set so far. */
    int responseFlags();

    default boolean hasResponseFlag(ResponseFlag flag) {
        return (responseFlags() & flag.bit()) != 0;
    }

    void setResponseFlag(ResponseFlag flag);

    /** The request's headers as the client sent them (changed by filters as they run), or null. */
    Headers requestHeaders();

    /** The response's headers as sent to the client, or null. */
    Headers responseHeaders();

    /** A value a filter or protocol stored for others to read (a variable's source), or null. */
    Object attribute(String key);

    void setAttribute(String key, Object value);
}
