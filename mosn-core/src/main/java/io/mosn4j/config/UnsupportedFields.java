package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Keys of MOSN's config format that mosn4j reads past, and what happens when a file sets one: it
 * is refused when ignoring it would change security or routing (the proxy would let in, send
 * somewhere or send in clear what the file says it must not), warned about once when it only
 * observes or tunes (tracing, metrics), and accepted silently when mosn4j already
 * behaves as it asks ({@code disable_upgrade}) or it is only a label ({@code mosn_server_name}).
 * A key unset, empty, {@code false} or 0 is off and never warned about.
 *
 * <p>Keys that are not MOSN's at all are warned about as unknown, except inside route and filter
 * chain matches, where a key that is not understood would make the match take more than the file
 * asks: there they are refused.
 */
final class UnsupportedFields {
    enum Action { REFUSE, WARN, ACCEPT }

    /** What to do when {@code on} holds for the value; {@code unknown} for keys no rule names. */
    record Rule(Action action, String reason, Predicate<JsonNode> on, boolean unknown) {
        Rule(Action action, String reason, Predicate<JsonNode> on) {
            this(action, reason, on, false);
        }
    }

    private static final Map<Class<?>, Map<String, Rule>> RULES = new HashMap<>();
    private static final Map<Class<?>, Rule> UNKNOWN = new HashMap<>();
    /** Envoy bootstrap sections: {@code mosn start} reads them (mosn-xds) before this loader sees the rest. */
    private static final String XDS_ONLY = "an Envoy bootstrap section, read only when the file is given to mosn start "
            + "(the xDS bootstrap), not here";

    private UnsupportedFields() {}

    /** The rule for {@code field} of the record {@code owner}; for keys no rule names, the unknown-key rule. */
    static Rule rule(Class<?> owner, String field) {
        Rule r = RULES.getOrDefault(owner, Map.of()).get(field.toLowerCase(Locale.ROOT));
        if (r != null) {
            return r;
        }
        return UNKNOWN.getOrDefault(owner, new Rule(Action.WARN, "unknown field", UnsupportedFields::isSet, true));
    }

    static {
        on(MosnConfig.class)
                .accept("disable_upgrade", "mosn4j never takes over an old process's listeners")
                .accept("close_graceful", "the older name of disable_upgrade")
                .accept("warnings", "the list a config_dump carries; a dump loads back")
                .accept("$schema", "names the JSON Schema (mosn schema) editors check the file with")
                .warn("inherit_old_mosnconfig", "taking over a running MOSN's config is not supported")
                .warn("tracing", "tracing is not supported yet", v -> flag(v, "enable"))
                .accept("metrics", "read by MetricsConfig, which acts on, refuses or warns about each of its keys")
                .warn("pprof", "pprof is Go's profiler; use JFR with mosn4j", v -> flag(v, "debug"))
                .warn("pid", "pid files are not written yet")
                .warn("uds_dir", "hot upgrade sockets are not used")
                .warn("plugin", "MOSN's process plugins are not supported; extensions are jars in plugins/")
                .warn("wasm_global_plugins", "WebAssembly plugins are not supported")
                .warn("third_part_codec", "Go and WebAssembly codec plugins are not supported; protocols are jars in plugins/",
                        v -> anyElement(v.path("codecs"), c -> flag(c, "enable")))
                .refuse("node", XDS_ONLY)
                .warn("layered_runtime", "Envoy's runtime layers are not supported")
                .refuse("dynamic_resources", XDS_ONLY)
                .refuse("static_resources", XDS_ONLY)
                .accept("extends", "read by HolmesConfig: holmes is acted on, any other type refused")
                .refuse("stream_filters", "named stream filter chains are not supported yet; put stream_filters on the listener");
        on(ServerConfig.class)
                .accept("mosn_server_name", "a name only")
                .warn("use_netpoll_mode", "mosn4j always runs Netty event loops");
        on(ListenerConfig.class)
                .warn("default_read_buffer_size", "read buffers are sized by Netty")
                .warn("log_path", "per-listener logs are not supported; everything goes to default_log_path")
                .warn("log_level", "per-listener log levels are not supported; default_log_level applies")
                .refuse("network", "listeners other than tcp are not supported yet",
                        v -> isSet(v) && !v.asText().equalsIgnoreCase("tcp"));
        on(FilterChainConfig.class)
                .warn("match", "MOSN's match string is not read; filter_chain_match picks chains");
        on(FilterChainMatchConfig.class)
                .refuse("prefix_ranges", "matching chains by destination address is not supported yet")
                .refuse("address_suffix", "matching chains by destination address is not supported yet")
                .refuse("suffix_len", "matching chains by destination address is not supported yet")
                .refuse("direct_source_prefix_ranges", "matching chains by source address is not supported yet")
                .refuse("source_prefix_ranges", "matching chains by source address is not supported yet")
                .refuse("source_type", "matching chains by source type is not supported yet")
                .refuse("source_ports", "matching chains by source port is not supported yet")
                .unknown(Action.REFUSE);
        on(FilterConfig.class)
                .warn("go_plugin_config", "Go plugins cannot run in mosn4j");
        on(ClusterManagerConfig.class)
                .warn("cluster_pool_enable", "connection pools are per event loop and host")
                .refuse("tls_context", "a TLS context shared by the clusters (with cluster_manager_tls) is not supported yet; "
                        + "give each cluster its own tls_context", v -> flag(v, "status"))
                .refuse("clusters_configs", "loading clusters from a directory (clusters_configs) is not supported yet");
        on(ClusterConfig.class)
                .accept("sub_type", "not used by MOSN either")
                .accept("cluster_manager_tls", "the cluster_manager's tls_context decides, and it is refused when on")
                .warn("cluster_pool_enable", "connection pools are per event loop and host")
                .refuse("original_dst_lb_config", "original destination load balancing is not supported yet")
                .refuse("spec", "service discovery subscriptions (spec.subscribe) are not supported yet")
                .refuse("mark", "marking upstream sockets (SO_MARK) for policy routing is not supported yet");
        on(TlsContextConfig.class)
                .warn("ticket", "session tickets are on, with keys mosn4j makes at start and keeps in memory only")
                .warn("callbacks", "TLS callbacks are not supported")
                // a TLS setting read past would serve or accept weaker TLS than the file asks (a pin, TLCP, a CRL...)
                .unknown("not a tls_context field mosn4j supports (status, type, server_name, ca_cert, cert_chain, private_key, "
                        + "verify_client, require_client_cert, insecure_skip, cipher_suites, ecdh_curves, min_version, max_version, "
                        + "alpn, fall_back, extend_verify, ticket); refused rather than running TLS other than the file asks",
                        UnsupportedFields::isSet);
        on(ClusterConfig.ThresholdsConfig.class)
                // MOSN's Thresholds carry a priority, but MOSN applies the first entry to every request
                .warn("priority", "circuit breakers are not grouped by priority (as in MOSN): this entry's limits apply to every request",
                        v -> isSet(v) && !v.asText().equalsIgnoreCase("DEFAULT"));
        on(RouterConfig.class)
                .refuse("router_configs", "loading routes from a directory (router_configs) is not supported yet");
        on(VirtualHostConfig.class)
                .refuse("require_tls", "require_tls is not supported yet (MOSN does not enforce it either)",
                        v -> isSet(v) && !v.asText().equalsIgnoreCase("NONE"));
        on(RouteConfig.class)
                .warn("metadata", "route metadata is read by no filter yet");
        on(RouteActionConfig.class)
                .refuse("upstream_protocol", "a route's own upstream protocol is not supported yet");
        // a match key that is not understood would make the route take more than the file asks
        on(RouteMatchConfig.class).unknown(Action.REFUSE);
        on(HeaderMatchConfig.class).unknown(Action.REFUSE);
        on(QueryParameterMatchConfig.class).unknown(Action.REFUSE);
        on(VariableMatchConfig.class).unknown(Action.REFUSE);
        on(DslExpressionConfig.class).unknown(Action.REFUSE);
        on(ProxyConfig.class)
                .accept("name", "a name only")
                .warn("validate_clusters", "routes to undefined clusters are logged at start and answered with 502")
                .warn("concurrency_num", "requests run on the event loops")
                .refuse("fallback_for_unknown_protocol", "falling back to tcp_proxy for unknown protocols is not supported yet")
                .refuse("router_handler_name", "custom router handlers are not supported");
    }

    /** A value that turns something on: true, a number other than 0, text, or a container holding one. */
    static boolean isSet(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return v.doubleValue() != 0;
        }
        if (v.isTextual()) {
            return !v.textValue().isBlank();
        }
        for (JsonNode child : v) {
            if (isSet(child)) {
                return true;
            }
        }
        return false;
    }

    /** The member {@code name} of {@code v}, matched ignoring case as Go does; missing when absent. */
    private static JsonNode field(JsonNode v, String name) {
        return new JsonConfigValue(v, "").get(name).node();
    }

    /** Whether the switch {@code name} of the object {@code v} is on. */
    private static boolean flag(JsonNode v, String name) {
        JsonNode f = field(v, name);
        return isSet(f) && !f.asText().equalsIgnoreCase("false");
    }

    private static boolean anyElement(JsonNode v, Predicate<JsonNode> test) {
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (test.test(e)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Builder on(Class<?> owner) {
        return new Builder(RULES.computeIfAbsent(owner, k -> new HashMap<>()), owner);
    }

    private record Builder(Map<String, Rule> rules, Class<?> owner) {
        Builder accept(String field, String why) {
            rules.put(field, new Rule(Action.ACCEPT, why, v -> true));
            return this;
        }

        Builder warn(String field, String reason) {
            return warn(field, reason, UnsupportedFields::isSet);
        }

        Builder warn(String field, String reason, Predicate<JsonNode> on) {
            rules.put(field, new Rule(Action.WARN, reason, on));
            return this;
        }

        Builder refuse(String field, String reason) {
            return refuse(field, reason, UnsupportedFields::isSet);
        }

        Builder refuse(String field, String reason, Predicate<JsonNode> on) {
            rules.put(field, new Rule(Action.REFUSE, reason, on));
            return this;
        }

        /** Keys no rule names are refused, whatever their value (match objects). */
        Builder unknown(Action action) {
            if (action == Action.REFUSE) {
                return unknown("unknown match field; refused rather than matching more than the file asks", v -> true);
            }
            UNKNOWN.remove(owner);
            return this;
        }

        /** Keys no rule names are refused with {@code reason} when {@code on} holds. */
        Builder unknown(String reason, Predicate<JsonNode> on) {
            UNKNOWN.put(owner, new Rule(Action.REFUSE, reason, on, true));
            return this;
        }
    }
}
