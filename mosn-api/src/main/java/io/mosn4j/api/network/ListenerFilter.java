package io.mosn4j.api.network;

import io.netty.buffer.ByteBuf;

/**
 * Looks at a new connection before its filter chain is chosen: may read its first bytes, restore
 * addresses (original destination, PROXY protocol), find the TLS server name. Listener filters run
 * in configuration order, on the connection's event loop; one instance serves all connections.
 */
public interface ListenerFilter {

    /** What {@link #onData} decided. */
    enum Status {
        /** Done with this connection: the next filter runs, then the chain is chosen. */
        CONTINUE,
        /** Call again when more bytes arrived. */
        NEED_MORE_DATA,
        /** Close the connection (the filter logged why). */
        REJECT
    }

    /** Whether the filter needs to see bytes; a filter that does not is called once with an empty buffer. */
    default boolean needsData() {
        return true;
    }

    /**
     * Looks at the bytes read so far. Bytes before {@code in.readerIndex()} when the filter returns
     * {@link Status#CONTINUE} are consumed (a PROXY protocol header); a filter that only peeks must
     * not move the index.
     */
    Status onData(ByteBuf in, AcceptedConnection connection);

    /** The most bytes this filter waits for before giving up (the connection is then rejected). */
    default int maxBytes() {
        return 16 * 1024;
    }
}
