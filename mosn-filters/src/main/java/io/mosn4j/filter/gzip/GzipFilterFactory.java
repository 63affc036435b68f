package io.mosn4j.filter.gzip;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;

/**
 * MOSN's {@code gzip}: compresses a response for a client that accepts gzip when its media type is
 * configured and its declared length reaches the minimum (see {@link GzipConfig}, {@link GzipFilter}).
 * Streaming, chunk by chunk, on HTTP/1 and HTTP/2; RPC protocols pass untouched. Takes no per-route config.
 */
public final class GzipFilterFactory implements StreamFilterFactory {

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public Creator create(ConfigValue config) {
        GzipConfig parsed = GzipConfig.parse(config);
        return chain -> chain.addFilter(new GzipFilter(parsed), ReceiverPhase.BEFORE_ROUTE);
    }
}
