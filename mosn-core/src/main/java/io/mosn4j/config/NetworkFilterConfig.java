package io.mosn4j.config;

/** What a listener's filter chain does, resolved from its {@code filters[]} at load time. */
public sealed interface NetworkFilterConfig {

    /**
     * The {@code proxy} filter with its router (from {@code servers[0].routers} or inline) and the
     * HTTP/2 settings of its downstream connections (from its {@code extend_config}).
     */
    record Proxy(ProxyConfig proxy, RouterConfig router, Http2Options http2) implements NetworkFilterConfig {
        public Proxy(ProxyConfig proxy, RouterConfig router) {
            this(proxy, router, Http2Options.DEFAULTS);
        }
    }

    /** The {@code tcp_proxy} filter. */
    record TcpProxy(TcpProxyConfig config) implements NetworkFilterConfig {}
}
