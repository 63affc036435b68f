package io.mosn4j.api.stream;

/**
 * A client codec's upstream connection, able to carry streams. HTTP/1 carries one at a time;
 * multiplexed protocols many. Used only on the connection's event loop.
 */
public interface ClientConnection {

    /** Opens a stream whose response events go to {@code responseReceiver}. */
    StreamSender newStream(StreamReceiver responseReceiver);

    /** Gives back a connection acquired from a pool but not used for a stream. */
    void releaseUnused();

    /** Whether this connection served a stream before this one (a reused keep-alive connection). */
    boolean reused();

    /** The connection's local address (for the request's record), or null. */
    default java.net.SocketAddress localAddress() {
        return null;
    }

    /** The connection's id ({@link io.mosn4j.api.network.ConnectionIds}), or -1. */
    default long id() {
        return -1;
    }
}
