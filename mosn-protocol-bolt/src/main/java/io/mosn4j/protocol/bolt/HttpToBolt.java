package io.mosn4j.protocol.bolt;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.protocol.TranscoderFactory;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * MOSN's {@code http2bolt_simple} transcoder: an HTTP request becomes a bolt request whose header
 * map is the request's headers (the host as {@code host}; the HTTP connection's own headers left
 * out) and whose content is the request's body, as is; the bolt response becomes an HTTP response
 * with its header map as headers, its content as body, status 200 when the bolt status is success
 * and 500 otherwise. MOSN's request has no class name and no timeout; a rule's {@code rule_info.config}
 * may give them ({@code {"class": "com.example.Request", "timeout": "3s"}}), which a SOFABolt server
 * needs to pick its processor. Also answers to MOSN's rule-derived names {@code Http1_bolt} and
 * {@code Http2_bolt}.
 */
public final class HttpToBolt implements TranscoderFactory {
    /** Headers about the HTTP connection or message framing, not the call. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding",
            "upgrade", "te", "content-length");

    @Override
    public String name() {
        return "http2bolt_simple";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("Http1_bolt", "Http2_bolt");
    }

    @Override
    public Transcoder create(ConfigValue config) {
        String className = "";
        int timeoutMillis = -1;
        if (!config.isMissing()) {
            if (!config.isObject()) {
                throw config.error("", "must be an object with \"class\" and \"timeout\"");
            }
            for (String key : config.keys()) {
                if (!key.equalsIgnoreCase("class") && !key.equalsIgnoreCase("timeout")) {
                    config.warn(key, "not a key of the http2bolt_simple transcoder; ignored");
                }
            }
            className = config.get("class").asText("");
            Duration timeout = config.get("timeout").as(Duration.class);
            if (timeout != null) {
                if (timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
                    throw config.error("timeout", "must be 0 or more, and at most " + Integer.MAX_VALUE + "ms");
                }
                timeoutMillis = (int) timeout.toMillis();
            }
        }
        return new Converter(className, timeoutMillis);
    }

    private record Converter(String className, int timeoutMillis) implements Transcoder {
        @Override
        public String upstreamProtocol() {
            return "bolt";
        }

        @Override
        public boolean accepts(String protocol) {
            return protocol != null && protocol.regionMatches(true, 0, "http", 0, 4);
        }

        @Override
        public Headers request(Headers http, ByteBuf body) {
            Headers map = new Headers(http.size());
            for (int i = 0; i < http.size(); i++) {
                String name = http.name(i);
                if (name.equals(Headers.AUTHORITY)) {
                    map.add("host", http.value(i));
                } else if (!name.startsWith(":") && !HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    map.add(name, http.value(i));
                }
            }
            return BoltCodec.request(className, map, body, timeoutMillis).headers();
        }

        @Override
        public Response response(Headers bolt) {
            if (!(bolt.message() instanceof BoltFrame frame) || frame.isRequest()) {
                throw new IllegalArgumentException("not a bolt response: " + bolt.message());
            }
            Headers http = Headers.response(frame.status() == BoltStatus.SUCCESS ? 200 : 500);
            for (int i = 0; i < bolt.size(); i++) {
                String name = bolt.name(i);
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    http.add(name, bolt.value(i));
                }
            }
            return new Response(http, frame.content().copy());
        }
    }
}
