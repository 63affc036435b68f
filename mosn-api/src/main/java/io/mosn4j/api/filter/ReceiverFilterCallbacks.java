package io.mosn4j.api.filter;

/** The callbacks of a request ({@link StreamReceiverFilter}) filter. */
public interface ReceiverFilterCallbacks extends StreamFilterCallbacks {

    /**
     * Chooses the route again once this filter's headers call returns (after it changed what
     * routing reads); filters of later phases see the new route. Before routing, nothing to do.
     */
    void reroute();

    /** Chooses the upstream host again once this filter's headers call returns. */
    void rechooseHost();

    /**
     * Sends this request upstream converted by {@code transcoder}, in its
     * {@link io.mosn4j.api.protocol.Transcoder#upstreamProtocol() protocol}, whatever the proxy's
     * {@code upstream_protocol}; the response comes back converted. Called from a headers call,
     * before the request went upstream.
     */
    default void transcode(io.mosn4j.api.protocol.Transcoder transcoder) {
        throw new UnsupportedOperationException("this proxy does not transcode");
    }
}
