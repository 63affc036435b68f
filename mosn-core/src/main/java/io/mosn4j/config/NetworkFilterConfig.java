package io.mosn4j.config;

/** What a listener's filter chain does, resolved from its {@code filters[]} at load time. */
public sealed interface NetworkFilterConfig {

    /** The {@code proxy} filter with its router (from {@code servers[0].routers} or inline). */
    record Proxy(ProxyConfig proxy, RouterConfig router) implements NetworkFilterConfig {}

    /** The {@code tcp_proxy} filter. */
    record TcpProxy(TcpProxyConfig config) implements NetworkFilterConfig {}
}
