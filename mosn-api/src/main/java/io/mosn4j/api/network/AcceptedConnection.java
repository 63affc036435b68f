package io.mosn4j.api.network;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A new downstream connection while its listener filters run, and what they learn about it; the
 * filter chain is then chosen by what they found ({@code filter_chain_match}).
 */
public interface AcceptedConnection {

    /** The address the client connected to, or the original destination a listener filter restored. */
    InetSocketAddress localAddress();

    void setLocalAddress(InetSocketAddress address);

    /** The client's address, or the one a listener filter restored (PROXY protocol). */
    InetSocketAddress remoteAddress();

    void setRemoteAddress(InetSocketAddress address);

    /** {@code raw_buffer} until a filter finds otherwise ({@code tls}). */
    String transportProtocol();

    void setTransportProtocol(String protocol);

    /** The TLS server name the client asked for, or null. */
    String serverName();

    void setServerName(String name);

    /** The ALPN protocols the client offered, empty when none. */
    List<String> applicationProtocols();

    void setApplicationProtocols(List<String> protocols);
}
