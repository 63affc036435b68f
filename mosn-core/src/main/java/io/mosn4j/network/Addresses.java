package io.mosn4j.network;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * A downstream connection's addresses as filters should see them: the socket's, unless a listener
 * filter restored the real ones (the PROXY protocol's client, an original destination).
 */
public final class Addresses {
    private static final AttributeKey<InetSocketAddress> LOCAL = AttributeKey.valueOf("mosn.local-address");
    private static final AttributeKey<InetSocketAddress> REMOTE = AttributeKey.valueOf("mosn.remote-address");

    private Addresses() {}

    public static InetSocketAddress local(Channel ch) {
        // hasAttr first: attr() would add an empty attribute to every connection that has none
        return ch.hasAttr(LOCAL) ? ch.attr(LOCAL).get() : (InetSocketAddress) ch.localAddress();
    }

    public static InetSocketAddress remote(Channel ch) {
        return ch.hasAttr(REMOTE) ? ch.attr(REMOTE).get() : (InetSocketAddress) ch.remoteAddress();
    }

    /** Records what listener filters found, when it differs from the socket's. */
    public static void restore(Channel ch, InetSocketAddress local, InetSocketAddress remote) {
        if (local != null && !local.equals(ch.localAddress())) {
            ch.attr(LOCAL).set(local);
        }
        if (remote != null && !remote.equals(ch.remoteAddress())) {
            ch.attr(REMOTE).set(remote);
        }
    }
}
