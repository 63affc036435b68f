package io.mosn4j.api.stream;

/**
 * What a server codec hands each new downstream stream (an HTTP request, an RPC call) to. The
 * codec passes its side of the stream and delivers the request's events to the receiver returned.
 * Called on the connection's event loop.
 */
@FunctionalInterface
public interface ServerStreamHandler {
    StreamReceiver newStream(ServerStream stream);
}
