package io.mosn4j.api.protocol;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.StreamMessage;
import java.time.Duration;

/**
 * One decoded frame of an {@link XProtocol}: a request, a response, or a heartbeat. The proxy
 * reads its routing headers and request id, may change the id, and hands it back to the same
 * protocol to encode; the body travels inside the frame untouched.
 *
 * <p>A frame may hold pooled buffers; whoever ends up with it calls {@link #release()} once (the
 * codec's {@code encode} does not release it). Used on one event loop; not thread-safe.
 */
public interface XFrame extends StreamMessage {
    /** The request id that pairs a response with its request on a connection. */
    long requestId();

    /** Sets the request id this frame carries when it is next encoded. */
    void setRequestId(long id);

    /** True for requests (including heartbeat requests), false for responses. */
    boolean isRequest();

    /** A heartbeat (keepalive) request or response: answered by the proxy, never routed. */
    boolean isHeartbeat();

    /** A request the caller expects no response to. */
    boolean isOneWay();

    /**
     * The fields routing, filters and access logs see: for a request its protocol's routing keys
     * (service, method, version, group, ...) and its header map or attachments. The returned block
     * carries this frame as its {@link Headers#message() message}. The same block every call;
     * protocols decode it lazily ({@link Headers#lazy}), so a frame nobody reads the headers of is
     * never decoded, and a decoding failure surfaces as a
     * {@link io.mosn4j.api.stream.MessageDecodeException} on first read. When a filter changed the
     * block ({@link Headers#isModified()}), encoding the request writes the change into the frame,
     * as far as the protocol can carry it: each protocol's frame says which entries it cannot write
     * (those naming the call itself, such as dubbo's {@code method}), which then keep their value on
     * the wire. A response's changes are not written.
     */
    Headers headers();

    /**
     * A request's service (interface) name as its protocol names it (bolt's SOFARPC {@code service},
     * dubbo's {@code path}, tars' servant), or null: MOSN's {@code x-mosn-rpc-service} variable.
     * Read from {@link #headers()}.
     */
    default String serviceName() {
        return null;
    }

    /** A request's method name, or null: MOSN's {@code x-mosn-rpc-method} variable. */
    default String methodName() {
        return null;
    }

    /** A response's status in the protocol's own numbers, or -1 for a request. */
    int status();

    /**
     * A response's status as the HTTP status that metrics, outlier detection and balancers count
     * it by (MOSN maps each protocol's statuses so: success 200, a busy server 503, a timeout 504,
     * anything else 500); -1 for a request. By default 200 for status 0, else 500.
     */
    default int httpStatus() {
        return isRequest() ? -1 : status() == 0 ? 200 : 500;
    }

    /** How long the caller is willing to wait, when the frame says (bolt's timeout field), else null. */
    default Duration timeout() {
        return null;
    }

    /**
     * Called on a request once it has been encoded for the upstream (the encoded bytes hold
     * references of their own): the frame may let go of its payload, keeping what is still read
     * while the caller waits for the answer, which may take long: {@link #headers()} (loaded now if
     * nothing read them yet), {@link #timeout()}, {@link #isOneWay()}, {@link #payloadLength()} and
     * whatever {@link XProtocol#errorResponse} needs. It is not encoded again: an RPC request is
     * retried only when it never went out, or where {@link XProtocol#retrySafe} says so, and a
     * protocol that says so keeps such a request's payload. Without this, a request waiting for a
     * slow answer holds its whole payload, and the read buffer it is a slice of, until then. A
     * protocol may keep small payloads; the default keeps everything.
     */
    default void releasePayload() {}

    /** Releases the buffers this frame holds; idempotent. */
    @Override
    void release();
}
