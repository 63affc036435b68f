package io.mosn4j.filter.rbac;

import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.network.PeerIdentity;
import io.mosn4j.api.stream.Headers;
import java.net.SocketAddress;

/**
 * What a permission or principal looks at: the request's headers (none for a connection, under
 * the network RBAC), its connection's addresses and TLS.
 *
 * @param peer the connection's remote address
 * @param local the address the connection arrived at
 * @param tls the connection's TLS, or null (plaintext)
 */
record RequestView(Headers headers, SocketAddress peer, SocketAddress local, DownstreamTls tls) {

    /** The verified client certificate's names, or null (plaintext, no certificate, not verified). */
    PeerIdentity peerIdentity() {
        return tls == null ? null : tls.peerIdentity();
    }

    /** The path without its query and fragment ("" when the request has none, as RPC requests). */
    String path() {
        String p = headers == null ? null : headers.path();
        if (p == null) {
            return "";
        }
        int end = p.length();
        int q = p.indexOf('?');
        int f = p.indexOf('#');
        if (q >= 0) {
            end = q;
        }
        if (f >= 0 && f < end) {
            end = f;
        }
        return p.substring(0, end);
    }
}
