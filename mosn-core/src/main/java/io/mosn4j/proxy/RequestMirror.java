package io.mosn4j.proxy;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.StreamMessage;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.mosn4j.api.upstream.Cancellable;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.PoolCallback;
import io.mosn4j.api.upstream.ResourceLimit;
import io.mosn4j.api.upstream.WorkerCluster;
import io.mosn4j.api.stream.RequestInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A copy of one request sent to a route's mirror cluster ({@code request_mirror_policies}): fire
 * and forget. The copy is the request as it goes upstream (after filters and route changes); its
 * body is copied, not shared, and only while it stays within {@link #MAX_BODY} bytes: a larger
 * request is not mirrored. The copy goes out once the request is complete, so the main request is
 * never held, paused or failed by it; its answer is read and dropped, and a copy that gets no
 * answer within the route's timeout is reset. It counts against the mirror cluster's
 * {@code max_requests} (when that is full, no copy is sent). Lives on the stream's event loop.
 */
final class RequestMirror extends StreamTimeouts.Timer implements PoolCallback, StreamReceiver, LoadBalancerContext {
    private static final Logger log = LoggerFactory.getLogger(RequestMirror.class);

    /** The largest request body copied for a mirror. */
    static final int MAX_BODY = 64 * 1024;

    private final ProxyConnection conn;
    private final String clusterName;
    private final Headers headers;
    private final long timeoutNanos;
    private ByteBuf body;
    private Headers trailers;
    private boolean abandoned;
    private boolean finished;
    private ResourceLimit budget;
    private HostInfo host;
    private Cancellable acquiring;
    private StreamSender sender;

    /**
     * Starts a copy of the request with headers {@code request} (copied here); null when the
     * request cannot be copied (an RPC frame whose protocol cannot copy it).
     */
    static RequestMirror start(ProxyConnection conn, String cluster, Headers request, boolean end, long timeoutNanos) {
        Headers copy;
        StreamMessage message = request.message();
        if (message == null) {
            copy = request.copy();
        } else {
            // an RPC frame: the copy is encoded from its own frame, which carries the header changes
            StreamMessage own = message.copy();
            if (own == null) {
                return null;
            }
            if (own instanceof XFrame frame) {
                copy = frame.headers();
            } else {
                copy = request.copy();
                copy.setMessage(own);
            }
        }
        RequestMirror m = new RequestMirror(conn, cluster, copy, timeoutNanos);
        if (end) {
            m.send();
        }
        return m;
    }

    private RequestMirror(ProxyConnection conn, String clusterName, Headers headers, long timeoutNanos) {
        this.conn = conn;
        this.clusterName = clusterName;
        this.headers = headers;
        this.timeoutNanos = timeoutNanos;
    }

    /** A chunk of the request body (not taken: copied). */
    void requestData(ByteBuf data, boolean end) {
        if (abandoned || finished) {
            return;
        }
        int n = data.readableBytes();
        if (n > 0) {
            if (body == null) {
                body = Unpooled.buffer(Math.max(n, 256), MAX_BODY);
            }
            if (body.readableBytes() + n > MAX_BODY) { // more than a mirror copies
                abandon();
                return;
            }
            body.writeBytes(data, data.readerIndex(), n);
        }
        if (end) {
            send();
        }
    }

    void requestTrailers(Headers t) {
        if (abandoned || finished) {
            return;
        }
        trailers = t.copy();
        send();
    }

    /** The main request ended before its body did (reset, refused): no copy. */
    void abandon() {
        if (!finished && sender == null && acquiring == null) {
            abandoned = true;
            cleanUp();
        }
    }

    private void send() {
        WorkerCluster cluster = conn.clusters.get(clusterName);
        if (cluster == null) {
            drop("no cluster");
            return;
        }
        host = cluster.choose(this);
        if (host == null) {
            drop("no host");
            return;
        }
        ResourceLimit requests = cluster.info().resources().requests();
        if (!requests.tryAcquire()) {
            drop("max_requests reached");
            return;
        }
        budget = requests;
        conn.timeouts.arm(this, timeoutNanos);
        Cancellable c = cluster.pool(host, conn.upstreamCodec).acquire(this);
        if (sender == null && !finished) {
            acquiring = c;
        }
    }

    private void drop(String why) {
        log.debug("mirror of a request to cluster {} not sent: {}", clusterName, why);
        abandoned = true;
        cleanUp();
    }

    @Override
    public void onReady(ClientConnection connection) {
        acquiring = null;
        if (finished) {
            connection.releaseUnused();
            return;
        }
        sender = connection.newStream(this);
        boolean noBody = body == null && trailers == null;
        sender.sendHeaders(headers, noBody);
        if (!noBody) {
            ByteBuf b = body == null ? Unpooled.EMPTY_BUFFER : body;
            body = null;
            sender.sendData(b, trailers == null);
            if (trailers != null) {
                sender.sendTrailers(trailers);
            }
        }
    }

    @Override
    public void onFailure(ResetReason reason, Throwable cause) {
        acquiring = null;
        log.debug("mirror to cluster {}: no connection ({})", clusterName, reason);
        end(null);
    }

    // ---- the mirror's answer: read and dropped

    @Override
    public void onHeaders(Headers h, boolean endStream) {
        h.releaseMessage();
        if (endStream) {
            end(null);
        }
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        data.release();
        if (endStream) {
            end(null);
        }
    }

    @Override
    public void onTrailers(Headers t) {
        end(null);
    }

    @Override
    public void onReset(ResetReason reason) {
        end(null);
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
    }

    @Override
    void onTimeout() {
        end(ResetReason.TIMEOUT);
    }

    private void end(ResetReason reset) {
        if (finished) {
            return;
        }
        if (reset != null && sender != null) {
            sender.reset(reset);
        }
        cleanUp();
    }

    private void cleanUp() {
        finished = true;
        conn.timeouts.disarm(this);
        if (acquiring != null) {
            acquiring.cancel();
            acquiring = null;
        }
        if (body != null) {
            body.release();
            body = null;
        }
        headers.releaseMessage(); // the copied frame (RPC) is the mirror's own
        if (budget != null) {
            budget.release();
            budget = null;
        }
    }

    // ---- LoadBalancerContext: a mirror picks its host like any request, without a subset

    @Override
    public long hashKey() {
        return -1;
    }

    @Override
    public Map<String, String> metadataMatch() {
        return Map.of();
    }

    @Override
    public boolean shouldAvoid(HostInfo h) {
        return false;
    }

    @Override
    public Headers requestHeaders() {
        return headers;
    }

    @Override
    public RequestInfo requestInfo() {
        return null;
    }
}
