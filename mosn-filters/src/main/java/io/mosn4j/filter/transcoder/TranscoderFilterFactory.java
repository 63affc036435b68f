package io.mosn4j.filter.transcoder;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.stream.Headers;

/**
 * MOSN's {@code transcoder} stream filter (see {@link TranscoderConfig}): a request a rule matches,
 * of a protocol its transcoder accepts, goes upstream converted (an HTTP request as a bolt call)
 * and its response comes back converted. The conversion itself is the proxy's, through the
 * {@link io.mosn4j.api.protocol.Transcoder} SPI the protocol modules implement; this filter only
 * decides which requests and with what.
 */
public final class TranscoderFilterFactory implements StreamFilterFactory {
    static final String NAME = "transcoder";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Creator create(ConfigValue config) {
        TranscoderConfig c = TranscoderConfig.parse(config);
        return chain -> chain.addReceiverFilter(new Filter(c), c.phase());
    }

    private static final class Filter implements StreamReceiverFilter {
        private final TranscoderConfig config;
        private ReceiverFilterCallbacks callbacks;

        Filter(TranscoderConfig config) {
            this.config = config;
        }

        @Override
        public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
            String protocol = callbacks.requestInfo().protocol();
            for (TranscoderConfig.Rule r : config.rules()) {
                if (r.matches(headers)) {
                    Transcoder t = r.forProtocol(protocol);
                    if (t != null && t.accepts(protocol)) {
                        callbacks.transcode(t);
                    }
                    break; // MOSN: the first matching rule decides, even when it converts nothing
                }
            }
            return FilterStatus.CONTINUE;
        }
    }
}
