package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.Detection;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.upstream.ConnectionPool;
import io.mosn4j.api.upstream.PoolContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * One {@link XProtocol} as a codec: its frames become one stream per request on the server side
 * ({@link XServerConnection}), and requests share upstream connections by request id
 * ({@link XPool}, {@link XClientConnection}). Each RPC protocol is a family of its own: its requests
 * go upstream in the same protocol.
 */
final class XCodec implements ProtocolCodec {
    private final XProtocol protocol;

    XCodec(XProtocol protocol) {
        this.protocol = protocol;
    }

    @Override
    public String name() {
        return protocol.name();
    }

    @Override
    public String family() {
        return protocol.name();
    }

    @Override
    public Detection detect(ByteBuf in) {
        return protocol.detect(in);
    }

    /** {@code max_concurrent_requests}, flat in {@code extend_config} or under the protocol's name. */
    @Override
    public Object serverOptions(ConfigValue extendConfig) {
        return XServerOptions.parse(extendConfig, protocol.name());
    }

    @Override
    public Class<?> serverOptionsType() {
        return XServerOptions.class;
    }

    @Override
    public void installServer(Channel channel, ServerStreamHandler handler, ServerContext context) {
        XServerOptions options = context.options() instanceof XServerOptions o ? o : XServerOptions.DEFAULTS;
        channel.pipeline().addLast(new XServerConnection(protocol, handler, options, context.stats(), context.partialFrames()));
    }

    @Override
    public ConnectionPool newPool(PoolContext context) {
        return new XPool(context, protocol);
    }

    @Override
    public String toString() {
        return "XProtocol " + protocol.name();
    }
}
