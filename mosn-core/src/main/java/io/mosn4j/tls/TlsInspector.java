package io.mosn4j.tls;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.AcceptedConnection;
import io.mosn4j.api.network.ListenerFilter;
import io.mosn4j.api.network.ListenerFilterFactory;
import io.netty.buffer.ByteBuf;

/**
 * Tells TLS clients from plaintext ones by their first bytes, and reads what a TLS client asks
 * for in its ClientHello: the connection's transport protocol becomes {@code tls}, with its server
 * name and ALPN protocols, for {@code filter_chain_match} and for choosing the certificate. Nothing
 * is consumed. Added by itself to every listener with TLS or with chains matched on these; also
 * {@code tls_inspector} for configs that name it (Envoy's {@code envoy.filters.listener.tls_inspector}).
 */
public final class TlsInspector implements ListenerFilter {

    @Override
    public Status onData(ByteBuf in, AcceptedConnection connection) {
        ClientHello.Result r = ClientHello.parse(in);
        switch (r) {
            case ClientHello.NeedMore m -> {
                return Status.NEED_MORE_DATA;
            }
            case ClientHello.NotTls n -> {
                return Status.CONTINUE;
            }
            case ClientHello.Tls t -> {
                connection.setTransportProtocol("tls");
                if (t.hello() != null) {
                    connection.setServerName(t.hello().serverName());
                    connection.setApplicationProtocols(t.hello().alpn());
                }
                return Status.CONTINUE;
            }
        }
    }

    @Override
    public int maxBytes() {
        return ClientHello.MAX_BYTES + 1;
    }

    @Override
    public String toString() {
        return "tls_inspector";
    }

    /** Registered as {@code tls_inspector}; takes no config. */
    public static class Factory implements ListenerFilterFactory {
        @Override
        public String name() {
            return "tls_inspector";
        }

        @Override
        public ListenerFilter create(ConfigValue config) {
            if (config.isObject() && !config.keys().isEmpty()) {
                throw config.error("", "tls_inspector takes no config");
            }
            return new TlsInspector();
        }
    }

    /** Envoy's name, as xDS listeners carry it. */
    public static final class EnvoyName extends Factory {
        @Override
        public String name() {
            return "envoy.filters.listener.tls_inspector";
        }
    }
}
