package io.mosn4j.api.protocol;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.upstream.ConnectionPool;
import io.mosn4j.api.upstream.PoolContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.List;

/**
 * A protocol the {@code proxy} network filter speaks: how a downstream connection's bytes become
 * streams (the server side), how upstream connections carry them (the client side's pool), how
 * {@code "Auto"} recognises it, and the ALPN names TLS negotiates for it. HTTP/1, HTTP/2 and every
 * RPC protocol are codecs; the proxy core knows none by name.
 *
 * <p>Registered for {@link java.util.ServiceLoader} under
 * {@code META-INF/services/io.mosn4j.api.protocol.ProtocolCodec} (or through a
 * {@link ProtocolCodecProvider}), found once at start. Implementations are stateless and
 * thread-safe; the state of a connection lives in what {@link #installServer} and
 * {@link #newPool} create, on that connection's event loop.
 */
public interface ProtocolCodec {

    /** The name configs use ({@code Http1}, {@code Http2}, {@code bolt}); matched ignoring case. */
    String name();

    /**
     * Which protocols' requests this one can carry upstream: codecs of the same family convert
     * into each other ({@code Http1} and {@code Http2} are both {@code "http"}); others refuse at
     * load. An RPC protocol is a family of its own.
     */
    String family();

    /** The ALPN protocol ids TLS offers for this codec ({@code h2}, {@code http/1.1}); empty when none. */
    default List<String> alpn() {
        return List.of();
    }

    /**
     * Whether a connection's first bytes are this protocol ({@code "downstream_protocol": "Auto"});
     * must not move {@code in}'s indexes. {@link Detection#NO} when the codec cannot be detected.
     */
    default Detection detect(ByteBuf in) {
        return Detection.NO;
    }

    /** Detectors are asked in this order, lowest first, so a more specific one can go before a looser one. */
    default int detectionOrder() {
        return 100;
    }

    /**
     * Reads this codec's downstream settings from a {@code proxy} filter's {@code extend_config}
     * once at load (validating them: throw {@link io.mosn4j.api.config.ConfigException} naming the
     * field); the result comes back as {@link ServerContext#options()}. Null when there are none.
     */
    default Object serverOptions(ConfigValue extendConfig) {
        return null;
    }

    /**
     * The record {@link #serverOptions} reads from {@code extend_config}, flat or under this codec's
     * name, which {@code mosn schema} describes there; null when there is none.
     */
    default Class<?> serverOptionsType() {
        return null;
    }

    /**
     * Reads this codec's upstream settings from a cluster's config once at load; the result comes
     * back as {@link PoolContext#options()}. Null when there are none.
     */
    default Object clientOptions(ConfigValue cluster) {
        return null;
    }

    /**
     * Makes {@code channel} (a new downstream connection, on its event loop) speak this protocol:
     * adds handlers that turn its bytes into streams for {@code handler}. Bytes already read (by
     * {@code Auto} detection) reach the handlers added here.
     */
    void installServer(Channel channel, ServerStreamHandler handler, ServerContext context);

    /** A pool of upstream connections to one host, owned by one event loop. */
    ConnectionPool newPool(PoolContext context);
}
