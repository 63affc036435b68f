package io.mosn4j.api.stream;

/**
 * The protocol message a header block was decoded from, when it travels on whole (an RPC frame
 * whose body the proxy never opens). It may hold pooled buffers: whoever ends up with it releases it.
 */
public interface StreamMessage {
    /** Releases the buffers the message holds; idempotent. */
    void release();

    /**
     * The size of what the message carries beyond its routing fields (an RPC call's serialized
     * arguments), which payload limits count; -1 when the protocol cannot tell.
     */
    default long payloadLength() {
        return -1;
    }

    /**
     * An independent copy of this message (its own buffers and request id) to send to a mirror
     * cluster as well, or null when the protocol cannot copy it (then the request is not mirrored).
     * Called on the message's event loop; the copy is released by whoever sends it.
     */
    default StreamMessage copy() {
        return null;
    }
}
