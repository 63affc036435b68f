package io.mosn4j.protocol.http2;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.upstream.ConnectionPool;
import io.mosn4j.api.upstream.PoolContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** HTTP/2: {@code Http2} in configs, {@code h2} in ALPN; h2c with prior knowledge on plaintext. */
public final class Http2Codec implements ProtocolCodec {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "Http2";
    }

    @Override
    public String family() {
        return "http";
    }

    @Override
    public List<String> alpn() {
        return List.of("h2");
    }

    /** The HTTP/2 client connection preface (RFC 9113 section 3.4). */
    @Override
    public Detection detect(ByteBuf in) {
        return Detection.prefix(in, PREFACE);
    }

    @Override
    public int detectionOrder() {
        return 10;
    }

    /**
     * The downstream settings in a proxy's {@code extend_config}: flat, or under an {@code "Http2"}
     * key (MOSN's per-protocol form, which {@code Auto} listeners use).
     */
    @Override
    public Object serverOptions(ConfigValue extendConfig) {
        if (extendConfig.isMissing() || !extendConfig.isObject()) {
            return Http2Options.DEFAULTS;
        }
        ConfigValue nested = extendConfig.get("http2");
        Http2Options o = (nested.isObject() ? nested : extendConfig).as(Http2Options.class);
        return o == null ? Http2Options.DEFAULTS : o;
    }

    @Override
    public Class<?> serverOptionsType() {
        return Http2Options.class;
    }

    /** A cluster's {@code http2_protocol_options}. */
    @Override
    public Object clientOptions(ConfigValue cluster) {
        Http2Options o = cluster.get("http2_protocol_options").as(Http2Options.class);
        return o == null ? Http2Options.DEFAULTS : o;
    }

    @Override
    public void installServer(Channel channel, ServerStreamHandler handler, ServerContext context) {
        Http2Options options = context.options() instanceof Http2Options o ? o : Http2Options.DEFAULTS;
        Http2ServerConnection.install(channel.pipeline(), handler, context.gracefulTimeout().toMillis(), options, context.stats(),
                context.requestHeadersTimeout());
    }

    @Override
    public ConnectionPool newPool(PoolContext context) {
        return new Http2Pool(context);
    }
}
