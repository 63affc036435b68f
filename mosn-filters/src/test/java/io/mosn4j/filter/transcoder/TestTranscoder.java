package io.mosn4j.filter.transcoder;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.protocol.TranscoderFactory;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import java.util.Set;

/** A transcoder for the filter's tests: HTTP to "rpc"; remembers its config's {@code tag}. */
public final class TestTranscoder implements TranscoderFactory {
    @Override
    public String name() {
        return "http2rpc";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("Http1_rpc");
    }

    @Override
    public Transcoder create(ConfigValue config) {
        return new Made(config.isMissing() ? "" : config.get("tag").asText(""));
    }

    record Made(String tag) implements Transcoder {
        @Override
        public String upstreamProtocol() {
            return "rpc";
        }

        @Override
        public boolean accepts(String protocol) {
            return protocol.startsWith("Http");
        }

        @Override
        public Headers request(Headers headers, ByteBuf body) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Response response(Headers response) {
            throw new UnsupportedOperationException();
        }
    }
}
