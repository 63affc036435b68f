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
}
