package io.mosn4j.upstream;

import io.mosn4j.tls.ClientTls;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * What every upstream connection of a cluster gets before its protocol's handlers: the one place
 * transport security is set up, whatever the protocol: plaintext, or the cluster's TLS.
 */
@FunctionalInterface
interface UpstreamTransport {
    /**
     * Adds the transport's handlers to a new connection's pipeline, before it connects. Null when
     * the connection is ready for its protocol once connected; else a future done when it is (the
     * TLS handshake), the protocol's handlers being added only then.
     */
    Future<?> init(Channel channel);

    /** After a failed handshake, the transport to connect with again (MOSN's {@code fall_back}: plaintext), or null. */
    default UpstreamTransport fallBack(Object host, Throwable cause) {
        return null;
    }

    /** No handlers of its own (a class, not a lambda: see {@link io.mosn4j.api.stats.Stats#NONE}). */
    UpstreamTransport PLAINTEXT = new UpstreamTransport() {
        @Override
        public Future<?> init(Channel channel) {
            return null;
        }
    };

    /** TLS to {@code host} with {@code tls}, offering {@code alpn} (the protocol's) unless the context names its own. */
    static UpstreamTransport tls(ClientTls tls, Host host, List<String> alpn) {
        String name = host.socketAddress().getHostString();
        int port = host.socketAddress().getPort();
        return new UpstreamTransport() {
            @Override
            public Future<?> init(Channel channel) {
                return tls.install(channel, name, port, alpn);
            }

            @Override
            public UpstreamTransport fallBack(Object peer, Throwable cause) {
                if (!tls.fallBack()) {
                    return null;
                }
                tls.fellBack(peer, cause);
                return PLAINTEXT;
            }
        };
    }
}
