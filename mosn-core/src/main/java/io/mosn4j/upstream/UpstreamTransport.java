package io.mosn4j.upstream;

import io.netty.channel.Channel;

/**
 * What every upstream connection of a cluster gets before its protocol's handlers: the one place
 * transport security is set up, whatever the protocol (its TLS settings, when upstream TLS lands).
 */
@FunctionalInterface
interface UpstreamTransport {
    /** Adds the transport's handlers to a new connection's pipeline. */
    void init(Channel channel);

    UpstreamTransport PLAINTEXT = ch -> {};
}
