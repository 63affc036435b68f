package io.mosn4j.api.protocol;

import io.mosn4j.api.stream.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A multiplexed RPC protocol proxied with the same router, load balancers and filters as HTTP
 * (MOSN's XProtocol). Implementations are stateless and thread-safe, registered for
 * {@link java.util.ServiceLoader} under {@code META-INF/services/io.mosn4j.api.protocol.XProtocol},
 * and chosen by {@link #name()} in the config ({@code "downstream_protocol": "bolt"}, or
 * {@code "X"} with {@code extend_config.sub_protocol}).
 */
public interface XProtocol {
    /** The name configs use, lower case: {@code bolt}, {@code boltv2}, {@code dubbo}, {@code tars}. */
    String name();

    /** Whether {@code in} (the first bytes of a connection) is this protocol; must not move its indexes. */
    Detection detect(ByteBuf in);

    /**
     * Decodes the frame starting at {@code in.readerIndex()}. Returns null, consuming nothing, when
     * the frame is not complete yet; otherwise advances the reader index past exactly one frame.
     * The frame may keep retained slices of {@code in}.
     *
     * @throws XProtocolException when the bytes cannot be this protocol's frame (unknown type,
     *     impossible length): the connection is closed
     */
    XFrame decode(ByteBuf in);

    /**
     * Encodes {@code frame} with its current request id; does not release it. A request whose
     * {@linkplain XFrame#headers() headers} were loaded and changed ({@link
     * io.mosn4j.api.stream.Headers#isModified()}) is encoded with the change written into it, as far
     * as the protocol can carry it (its frame documents what it cannot); any other frame is
     * encoded as it came, which needs no decoding of its headers and should cost no copy.
     *
     * @throws XProtocolException when a changed request cannot be written in the protocol (the
     *     upstream side fails that request alone)
     */
    ByteBuf encode(XFrame frame, ByteBufAllocator alloc);

    /**
     * Appends {@code frame}'s bytes, as {@link #encode} would give them, to {@code out}, where the
     * frames a connection writes in one turn of its event loop gather to go out as one buffer (a
     * write per frame costs the connection an entry, a pipeline pass and an iovec each). False,
     * with {@code out} untouched, for a frame the protocol would rather hand over as its own
     * buffer or views (a large one, a changed one); only asked when {@link #encodesInto()}.
     *
     * @throws XProtocolException as {@link #encode} does; {@code out} is then as it was
     */
    default boolean encodeInto(XFrame frame, ByteBuf out) {
        return false;
    }

    /** Whether {@link #encodeInto} appends frames at all. */
    default boolean encodesInto() {
        return false;
    }

    /** How upstream connections of this protocol carry requests. */
    PoolMode poolMode();

    /**
     * The response the proxy sends for {@code request} when it cannot forward it, with this
     * protocol's status for {@code error} (MOSN's mapping) and {@code message} where the protocol
     * carries one. Same request id as the request.
     */
    XFrame errorResponse(XFrame request, ProxyError error, String message);

    /** The answer to a heartbeat request, with its request id. */
    XFrame heartbeatResponse(XFrame heartbeat);

    /**
     * A heartbeat request with {@code requestId}, sent on an upstream connection that has been
     * quiet for a while to find out whether the peer is still there; null when the protocol has
     * no heartbeat (then idle upstream connections are not probed).
     */
    default XFrame heartbeatRequest(long requestId) {
        return null;
    }

    /**
     * The id to give the next request on an upstream connection after {@code previous}, wrapping
     * within the protocol's id space (bolt: 32 bits). Ids 0.. upwards by default.
     */
    default long nextRequestId(long previous) {
        return (previous + 1) & 0xffff_ffffL;
    }

    /**
     * Whether {@code request}, once sent, may be sent again to another host when its answer does
     * not come (a timeout, a lost connection): only for calls the protocol knows to have no effect
     * when repeated, and whose frame stays whole after it was encoded once
     * (its {@link XFrame#releasePayload} keeps the payload). No by default: an RPC
     * call is retried only when it never left the proxy (a failed connect).
     */
    default boolean retrySafe(XFrame request) {
        return false;
    }
}
