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
}
