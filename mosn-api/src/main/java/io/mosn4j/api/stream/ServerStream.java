package io.mosn4j.api.stream;

import java.time.Duration;

/**
 * The downstream side of one stream as a server codec hands it to the proxy: the sender for the
 * response, plus what only the codec knows: how to render the proxy's own answers in its protocol,
 * and the time limits the caller put in its request. Called on the connection's event loop.
 */
public interface ServerStream extends StreamSender {

    /**
     * Answers the request in the codec's protocol (see {@link LocalReply}); the stream is then over.
     * Ignored when the response already started.
     */
    void sendLocalReply(LocalReply reply);

    /**
     * The caller's own timeout for this request when its protocol carries one (bolt's timeout
     * field): it replaces the route's timeout. Null when there is none. Read after the headers.
     */
    default Duration requestTimeout() {
        return null;
    }

    /**
     * The caller's deadline, counted from its request headers (gRPC's {@code grpc-timeout}): the
     * proxy gives up when it passes, in addition to the route's timeout. Null when there is none.
     */
    default Duration callerDeadline() {
        return null;
    }

    /**
     * Whether the proxy may send the request upstream again, under a route's retry policy, after
     * an attempt that may have reached the upstream (a timeout, a 5xx, a connection lost after the
     * request went out). A request that never left (a failed connect, a refused stream) may always
     * go again. HTTP: yes, the route's retry policy is the user's consent, as in Envoy and MOSN;
     * RPC protocols: only where the protocol marks the call safe ({@code XProtocol.retrySafe}).
     */
    default boolean retrySafe() {
        return true;
    }

    /**
     * Asked as the response is about to end before the request did: whether the codec goes on
     * handing the rest of the request to the receiver (which may forward it upstream, so that the
     * upstream connection completes its request and serves again) until it ends or the stream is
     * reset. HTTP/1: a rest of known, bounded length that the connection reads anyway before its
     * next request. False by default: the rest is dropped or the stream reset, never delivered.
     */
    default boolean deliversRestAfterResponse() {
        return false;
    }
}
