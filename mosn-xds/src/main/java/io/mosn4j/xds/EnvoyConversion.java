package io.mosn4j.xds;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip;
import io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.mosn4j.config.ConfigWarnings;
import io.mosn4j.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns Envoy v3 resources into MOSN's JSON config (the field names MOSN documents), which the
 * running proxy's loader then checks and applies exactly as a file's config. What cannot be
 * converted is an {@link XdsRejection} naming the field (the push is NACKed); what is converted to
 * a MOSN field today's loader refuses is NACKed by the loader's own reason; what neither acts on
 * nor changes routing or security is a warning. Pure: no I/O, any thread.
 */
public final class EnvoyConversion {
    static final String HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    static final String TCP_PROXY = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
    static final String ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
    static final String COMPRESSOR = "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor";
    static final String GZIP = "type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip";
    /** Envoy's compressor's media types when none are given. */
    private static final List<String> ENVOY_COMPRESSIBLE = List.of("text/html", "text/plain", "text/css", "application/javascript",
            "application/x-javascript", "text/javascript", "text/x-javascript", "text/ecmascript", "text/js", "text/jscript",
            "text/x-js", "application/ecmascript", "application/x-json", "application/xml", "application/json", "image/svg+xml",
            "text/xml", "application/xhtml+xml");
    static final String RBAC = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
    static final String NETWORK_RBAC = "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC";
    static final String JWT_AUTHN = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
    /** Istio's own HTTP filters: telemetry and peer metadata, nothing that routes or secures. */
    private static final Set<String> ISTIO_ONLY_FILTERS = Set.of("istio.stats", "istio.metadata_exchange", "istio.alpn",
            "envoy.filters.http.grpc_stats");

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private EnvoyConversion() {}

    // ---------------------------------------------------------------- clusters

    /**
     * A cluster converted without its hosts; {@code edsServiceName} is null unless its hosts come
     * from EDS; {@code socketMatches} are its {@code transport_socket_matches} (empty: every host
     * uses the cluster's {@code tls_context}, if any).
     */
    public record ClusterShape(ObjectNode json, String edsServiceName, List<SocketMatch> socketMatches) {
        ClusterShape(ObjectNode json, String edsServiceName) {
            this(json, edsServiceName, List.of());
        }

        /**
         * The MOSN cluster with the hosts of {@code endpoints} (or none). With
         * {@code transport_socket_matches}, each host's metadata chooses its socket, as in Envoy;
         * MOSN has one {@code tls_context} per cluster and a per-host {@code tls_disable}, so the
         * hosts may choose one TLS context and plaintext (Istio's {@code tlsMode: istio} or not),
         * not two different TLS contexts.
         */
        public ObjectNode withHosts(ClusterLoadAssignment endpoints) {
            ObjectNode c = json.deepCopy();
            List<Host> kept = endpoints == null ? List.of() : hosts(endpoints, "load_assignment");
            ArrayNode hosts = c.putArray("hosts");
            kept.forEach(h -> hosts.add(h.json()));
            if (socketMatches.isEmpty()) {
                return c;
            }
            ObjectNode fallback = json.has("tls_context") ? (ObjectNode) json.get("tls_context") : null;
            ObjectNode tls = null;
            String tlsFrom = null;
            boolean anyPlain = false;
            List<Boolean> plain = new ArrayList<>();
            for (Host h : kept) {
                ObjectNode chosen = fallback;
                String from = "transport_socket";
                for (SocketMatch m : socketMatches) {
                    if (m.matches(h.metadata())) {
                        chosen = m.tls();
                        from = "transport_socket_matches " + m.name();
                        break;
                    }
                }
                plain.add(chosen == null);
                if (chosen == null) {
                    anyPlain = true;
                } else if (tls == null) {
                    tls = chosen;
                    tlsFrom = from;
                } else if (!tls.equals(chosen)) {
                    throw new XdsRejection("transport_socket_matches", "hosts choose two different TLS contexts (" + tlsFrom + ", " + from
                            + "): mosn4j has one TLS context per cluster (and plaintext per host)");
                }
            }
            if (tls == null) {
                c.remove("tls_context");
                return c;
            }
            c.set("tls_context", tls);
            if (anyPlain) {
                for (int i = 0; i < kept.size(); i++) {
                    if (plain.get(i)) {
                        ((ObjectNode) hosts.get(i)).put("tls_disable", true);
                    }
                }
            }
            return c;
        }
    }

    /** One of a cluster's {@code transport_socket_matches}: hosts whose metadata has {@code match}'s fields use {@code tls} (null: plaintext). */
    record SocketMatch(String name, com.google.protobuf.Struct match, ObjectNode tls) {
        boolean matches(com.google.protobuf.Struct metadata) {
            for (var e : match.getFieldsMap().entrySet()) {
                if (!e.getValue().equals(metadata.getFieldsMap().get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A host kept from EDS: its MOSN JSON and its {@code envoy.transport_socket_match} metadata (endpoint's over locality's). */
    record Host(ObjectNode json, com.google.protobuf.Struct metadata) {}

    public static ClusterShape cluster(Cluster c) {
        String path = "cluster " + c.getName();
        if (c.getName().isBlank()) {
            throw new XdsRejection("name", "required");
        }
        ObjectNode out = JSON.objectNode();
        out.put("name", c.getName());
        out.put("type", "SIMPLE");
        String eds = null;
        Set<String> handled = new LinkedHashSet<>(List.of("name", "type", "lb_policy", "connect_timeout", "load_assignment",
                "eds_cluster_config", "circuit_breakers", "per_connection_buffer_limit_bytes", "alt_stat_name",
                "common_lb_config", "metadata"));
        switch (c.getClusterDiscoveryTypeCase()) {
            case TYPE -> {
                switch (c.getType()) {
                    case STATIC -> { }
                    case EDS -> eds = c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
                            : c.getEdsClusterConfig().getServiceName();
                    // MOSN's names for what its loader will build once DNS and original-destination clusters land
                    case STRICT_DNS -> out.put("type", "STRICT_DNS");
                    case LOGICAL_DNS -> out.put("type", "LOGICAL_DNS");
                    case ORIGINAL_DST -> out.put("type", "ORIGINAL_DST");
                    default -> throw new XdsRejection("type", "unknown cluster type " + c.getType());
                }
            }
            case CLUSTER_TYPE -> throw new XdsRejection("cluster_type", "custom cluster types (" + c.getClusterType().getName()
                    + ") are not supported");
            default -> { }
        }
        if (eds != null && c.getEdsClusterConfig().hasEdsConfig()) {
            checkAds(c.getEdsClusterConfig().getEdsConfig(), "eds_cluster_config.eds_config");
        }
        out.put("lb_type", switch (c.getLbPolicy()) {
            case ROUND_ROBIN -> "LB_ROUNDROBIN";
            case RANDOM -> "LB_RANDOM";
            case LEAST_REQUEST -> "LB_LEAST_REQUEST";
            case MAGLEV -> "LB_MAGLEV";
            case CLUSTER_PROVIDED -> c.getType() == Cluster.DiscoveryType.ORIGINAL_DST ? "LB_ORIGINAL_DST" : "LB_ROUNDROBIN";
            case RING_HASH -> "LB_RINGHASH"; // kept a ring hash (MOSN turns it into maglev)
            default -> throw new XdsRejection("lb_policy", "load balancing policy " + c.getLbPolicy() + " is not supported");
        });
        if (c.hasConnectTimeout()) {
            out.put("connect_timeout", duration(c.getConnectTimeout()));
        }
        if (c.hasPerConnectionBufferLimitBytes()) {
            out.put("conn_buffer_limit_bytes", c.getPerConnectionBufferLimitBytes().getValue());
        }
        if (c.hasCircuitBreakers()) {
            ArrayNode cbs = JSON.arrayNode();
            for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
                if (t.getPriority() != RoutingPriority.DEFAULT) {
                    ConfigWarnings.warn(path + ".circuit_breakers.thresholds", "only DEFAULT priority thresholds apply; HIGH ignored");
                    continue;
                }
                ObjectNode th = cbs.addObject();
                if (t.hasMaxConnections()) th.put("max_connections", t.getMaxConnections().getValue());
                if (t.hasMaxPendingRequests()) th.put("max_pending_requests", t.getMaxPendingRequests().getValue());
                if (t.hasMaxRequests()) th.put("max_requests", t.getMaxRequests().getValue());
                if (t.hasMaxRetries()) th.put("max_retries", t.getMaxRetries().getValue());
            }
            out.set("circuit_breakers", cbs);
        }
        if (c.hasTransportSocket()) {
            try {
                ObjectNode tls = EnvoyTls.upstream(c.getTransportSocket(), path + ".transport_socket");
                if (tls != null) {
                    out.set("tls_context", tls);
                }
            } catch (XdsRejection e) {
                throw e.under("transport_socket");
            }
        }
        handled.add("transport_socket");
        List<SocketMatch> matches = new ArrayList<>();
        for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
            Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
            String at = "transport_socket_matches[" + i + "]";
            try {
                matches.add(new SocketMatch(m.getName(), m.getMatch(), m.hasTransportSocket()
                        ? EnvoyTls.upstream(m.getTransportSocket(), path + "." + at + ".transport_socket") : null));
            } catch (XdsRejection e) {
                throw e.under(at + ".transport_socket");
            }
        }
        handled.add("transport_socket_matches");
        if (c.getHealthChecksCount() > 1) {
            throw new XdsRejection("health_checks", "one health check per cluster is supported (got " + c.getHealthChecksCount() + ")");
        }
        if (c.getHealthChecksCount() == 1) {
            try {
                out.set("health_check", healthCheck(c.getHealthChecks(0), c.getName(), out.has("tls_context") || !matches.isEmpty(),
                        path + ".health_checks[0]"));
            } catch (XdsRejection e) {
                throw e.under("health_checks[0]");
            }
        }
        handled.add("health_checks");
        if (c.hasOutlierDetection()) {
            out.set("outlier_detection", outlierDetection(c.getOutlierDetection(), path + ".outlier_detection"));
        }
        handled.add("outlier_detection");
        warnUnhandled(c, handled, path);
        ClusterShape shape = new ClusterShape(out, eds, List.copyOf(matches));
        if (eds == null) {
            shape = new ClusterShape(shape.withHosts(c.hasLoadAssignment() ? c.getLoadAssignment() : null), null);
        }
        return shape;
    }

    /** Envoy's outlier detection fields mosn4j's cluster {@code outlier_detection} takes as they are. */
    private static final Set<String> OUTLIER_FIELDS = Set.of("consecutive_5xx", "interval", "base_ejection_time", "max_ejection_percent",
            "enforcing_consecutive_5xx", "enforcing_success_rate", "success_rate_minimum_hosts", "success_rate_request_volume",
            "success_rate_stdev_factor", "consecutive_gateway_failure", "enforcing_consecutive_gateway_failure",
            "failure_percentage_threshold", "enforcing_failure_percentage", "failure_percentage_minimum_hosts",
            "failure_percentage_request_volume", "max_ejection_time", "max_ejection_time_jitter", "always_eject_one_host");

    /**
     * Envoy's {@code outlier_detection} as mosn4j's cluster {@code outlier_detection}, which has
     * Envoy's names and meanings: each field set is copied (durations as Go durations). What tells
     * local-origin failures apart ({@code split_external_local_origin_errors} and its thresholds),
     * un-ejecting on a passed health check and {@code monitors} have no equivalent: warned about,
     * and connect failures and timeouts count as 503/504 as they do in Envoy without the split.
     */
    private static ObjectNode outlierDetection(io.envoyproxy.envoy.config.cluster.v3.OutlierDetection od, String path) {
        ObjectNode out = JSON.objectNode();
        for (Map.Entry<FieldDescriptor, Object> e : od.getAllFields().entrySet()) {
            String name = e.getKey().getName();
            if (!OUTLIER_FIELDS.contains(name)) {
                ConfigWarnings.warn(path + "." + name, "not converted (mosn4j does not tell local-origin failures apart "
                        + "nor un-eject on a passed health check); ignored");
                continue;
            }
            switch (e.getValue()) {
                case com.google.protobuf.UInt32Value v -> out.put(name, Integer.toUnsignedLong(v.getValue()));
                case com.google.protobuf.Duration d -> out.put(name, duration(d));
                case com.google.protobuf.BoolValue b -> out.put(name, b.getValue());
                default -> throw new XdsRejection("outlier_detection." + name, "unexpected value " + e.getValue());
            }
        }
        return out;
    }

    /**
     * Envoy's active health check as MOSN's {@code health_check}: HTTP (path, host, expected
     * statuses; Envoy's ranges end before {@code end}, MOSN's at it) or TCP connect. MOSN runs
     * checks only with a {@code service_name}: the cluster's name is given. What would check
     * something else (gRPC, TCP payloads, another port, custom checkers, HTTP over TLS) is refused.
     */
    private static ObjectNode healthCheck(io.envoyproxy.envoy.config.core.v3.HealthCheck h, String cluster, boolean tls, String path) {
        ObjectNode out = JSON.objectNode();
        out.put("service_name", cluster);
        if (!h.hasTimeout() || !h.hasInterval() || !h.hasUnhealthyThreshold() || !h.hasHealthyThreshold()) {
            throw new XdsRejection("", "timeout, interval, unhealthy_threshold and healthy_threshold are required");
        }
        out.put("timeout", duration(h.getTimeout()));
        out.put("interval", duration(h.getInterval()));
        if (h.hasIntervalJitter()) {
            out.put("interval_jitter", duration(h.getIntervalJitter()));
        }
        if (h.hasInitialJitter() && (h.getInitialJitter().getSeconds() > 0 || h.getInitialJitter().getNanos() > 0)) {
            out.put("initial_delay_seconds", duration(h.getInitialJitter()));
        }
        out.put("unhealthy_threshold", h.getUnhealthyThreshold().getValue());
        out.put("healthy_threshold", h.getHealthyThreshold().getValue());
        if (!h.getEventLogPath().isEmpty()) {
            out.put("event_log_path", h.getEventLogPath());
        }
        switch (h.getHealthCheckerCase()) {
            case HTTP_HEALTH_CHECK -> {
                var http = h.getHttpHealthCheck();
                if (tls) {
                    throw new XdsRejection("http_health_check", "HTTP health checks of a TLS cluster are not supported yet "
                            + "(the health checker does not speak TLS)");
                }
                if (http.hasSend() || http.getReceiveCount() > 0 || http.getRequestHeadersToAddCount() > 0
                        || http.getRequestHeadersToRemoveCount() > 0 || http.hasServiceNameMatcher() || http.getRetriableStatusesCount() > 0
                        || http.getCodecClientType() != io.envoyproxy.envoy.type.v3.CodecClientType.HTTP1) {
                    throw new XdsRejection("http_health_check", "only path, host, method and expected_statuses are supported "
                            + "(HTTP/1.1 checks)");
                }
                out.put("protocol", "Http1");
                ObjectNode check = out.putObject("check_config").putObject("http_check_config");
                check.put("path", http.getPath());
                if (!http.getHost().isEmpty()) {
                    check.put("domain", http.getHost());
                }
                if (http.getMethod() != io.envoyproxy.envoy.config.core.v3.RequestMethod.METHOD_UNSPECIFIED) {
                    check.put("method", http.getMethod().name());
                }
                if (http.getExpectedStatusesCount() > 0) {
                    ArrayNode codes = check.putArray("codes");
                    for (var r : http.getExpectedStatusesList()) {
                        codes.addObject().put("start", r.getStart()).put("end", r.getEnd() - 1); // Envoy: [start, end)
                    }
                }
            }
            case TCP_HEALTH_CHECK -> {
                if (h.getTcpHealthCheck().hasSend() || h.getTcpHealthCheck().getReceiveCount() > 0) {
                    throw new XdsRejection("tcp_health_check", "send/receive payloads are not supported (a connect check is)");
                }
                out.put("protocol", "Tcp");
            }
            default -> throw new XdsRejection("health_checker", h.getHealthCheckerCase() + " health checks are not supported");
        }
        for (String f : List.of("alt_port", "custom_health_check", "transport_socket_match_criteria", "tls_options")) {
            if (h.getAllFields().keySet().stream().anyMatch(d -> d.getName().equals(f))) {
                throw new XdsRejection(f, "not supported");
            }
        }
        warnUnhandled(h, Set.of("timeout", "interval", "interval_jitter", "initial_jitter", "unhealthy_threshold", "healthy_threshold",
                "event_log_path", "http_health_check", "tcp_health_check"), path);
        return out;
    }

    /**
     * {@code typed_per_filter_config}: mosn4j runs no HTTP filter that takes a per-route config
     * (a listener whose chain has any but the router, rbac or jwt_authn is NACKed unless the filter
     * is optional or Istio's telemetry), so each entry configures a filter that does not run here:
     * warned about. RBAC's and jwt_authn's per-route configs are NACKed: those filters do run, and
     * the entry would change what the route lets through.
     */
    private static void perFilterConfig(Map<String, Any> configs, String path) {
        for (Map.Entry<String, Any> e : configs.entrySet()) {
            String url = e.getValue().getTypeUrl();
            if (url.endsWith("envoy.extensions.filters.http.rbac.v3.RBACPerRoute")
                    || url.endsWith("envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig")) {
                throw new XdsRejection("typed_per_filter_config." + e.getKey(), url + " (a per-route access policy) is not supported");
            }
        }
        for (String filter : configs.keySet()) {
            ConfigWarnings.warn(path + ".typed_per_filter_config." + filter, "no such HTTP filter runs in mosn4j; its per-route "
                    + "config is ignored");
        }
    }

    /**
     * {@code endpoints} as MOSN hosts: those not {@code UNHEALTHY}/{@code DRAINING}/{@code TIMEOUT}
     * of the lowest priority that has any (Envoy fails over to a higher priority number when a
     * lower one has no healthy host), from every locality of that priority.
     */
    static List<Host> hosts(ClusterLoadAssignment endpoints, String path) {
        java.util.TreeMap<Integer, List<Host>> byPriority = new java.util.TreeMap<>();
        for (int i = 0; i < endpoints.getEndpointsCount(); i++) {
            LocalityLbEndpoints group = endpoints.getEndpoints(i);
            List<Host> hosts = byPriority.computeIfAbsent(group.getPriority(), p -> new ArrayList<>());
            for (int j = 0; j < group.getLbEndpointsCount(); j++) {
                LbEndpoint e = group.getLbEndpoints(j);
                HealthStatus health = e.getHealthStatus();
                if (health == HealthStatus.UNHEALTHY || health == HealthStatus.DRAINING || health == HealthStatus.TIMEOUT) {
                    continue;
                }
                String at = path + ".endpoints[" + i + "].lb_endpoints[" + j + "]";
                if (!e.hasEndpoint()) {
                    throw new XdsRejection(at + ".endpoint", "required (named endpoints are not supported)");
                }
                ObjectNode h = JSON.objectNode();
                h.put("address", address(e.getEndpoint().getAddress(), at + ".endpoint.address"));
                if (!e.getEndpoint().getHostname().isEmpty()) {
                    h.put("hostname", e.getEndpoint().getHostname());
                }
                if (e.hasLoadBalancingWeight()) {
                    h.put("weight", e.getLoadBalancingWeight().getValue());
                }
                String key = "envoy.transport_socket_match";
                com.google.protobuf.Struct md = e.getMetadata().getFilterMetadataMap().getOrDefault(key,
                        group.getMetadata().getFilterMetadataMap().getOrDefault(key, com.google.protobuf.Struct.getDefaultInstance()));
                hosts.add(new Host(h, md));
            }
        }
        for (var level : byPriority.entrySet()) {
            if (!level.getValue().isEmpty()) {
                if (byPriority.size() > 1) {
                    ConfigWarnings.warn(path + ".endpoints", "priority " + level.getKey() + " serves: the lowest with healthy hosts "
                            + "(the others are failover, not spill-over by Envoy's overprovisioning factor)");
                }
                return level.getValue();
            }
        }
        return List.of();
    }

    // ---------------------------------------------------------------- routes

    public static ObjectNode router(RouteConfiguration rc) {
        return router(rc, rc.getName());
    }

    static ObjectNode router(RouteConfiguration rc, String name) {
        ObjectNode out = JSON.objectNode();
        out.put("router_config_name", name);
        ArrayNode vhs = out.putArray("virtual_hosts");
        for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
            String at = "virtual_hosts[" + i + "]";
            try {
                vhs.add(virtualHost(rc.getVirtualHosts(i), "route " + name + "." + at));
            } catch (XdsRejection e) {
                throw e.under(at);
            }
        }
        warnUnhandled(rc, Set.of("name", "virtual_hosts", "validate_clusters"), "route " + name);
        return out;
    }

    private static ObjectNode virtualHost(VirtualHost vh, String path) {
        ObjectNode out = JSON.objectNode();
        out.put("name", vh.getName());
        ArrayNode domains = out.putArray("domains");
        vh.getDomainsList().forEach(domains::add);
        ArrayNode routers = out.putArray("routers");
        for (int i = 0; i < vh.getRoutesCount(); i++) {
            try {
                routers.add(route(vh.getRoutes(i), path + ".routes[" + i + "]"));
            } catch (XdsRejection e) {
                throw e.under("routes[" + i + "]");
            }
        }
        if (vh.getRequireTls() != VirtualHost.TlsRequirementType.NONE) {
            throw new XdsRejection("require_tls", "require_tls is not supported yet");
        }
        perFilterConfig(vh.getTypedPerFilterConfigMap(), path);
        warnUnhandled(vh, Set.of("name", "domains", "routes", "require_tls", "typed_per_filter_config"), path);
        return out;
    }

    private static ObjectNode route(Route r, String path) {
        ObjectNode out = JSON.objectNode();
        if (!r.getName().isEmpty()) {
            out.put("name", r.getName());
        }
        out.set("match", match(r.getMatch()));
        switch (r.getActionCase()) {
            case ROUTE -> out.set("route", action(r.getRoute(), path + ".route"));
            case DIRECT_RESPONSE -> {
                ObjectNode d = out.putObject("direct_response");
                d.put("status", r.getDirectResponse().getStatus());
                if (r.getDirectResponse().hasBody()) {
                    var body = r.getDirectResponse().getBody();
                    if (body.hasInlineString()) {
                        d.put("body", body.getInlineString());
                    } else if (body.hasInlineBytes()) {
                        d.put("body", body.getInlineBytes().toStringUtf8());
                    } else {
                        throw new XdsRejection("direct_response.body", "only inline bodies are supported");
                    }
                }
            }
            // MOSN's redirect object; today's loader refuses it and says so
            case REDIRECT -> {
                ObjectNode d = out.putObject("redirect");
                var rd = r.getRedirect();
                if (!rd.getPathRedirect().isEmpty()) d.put("path_redirect", rd.getPathRedirect());
                if (!rd.getHostRedirect().isEmpty()) d.put("host_redirect", rd.getHostRedirect());
                if (!rd.getSchemeRedirect().isEmpty()) d.put("scheme_redirect", rd.getSchemeRedirect());
                d.put("response_code", switch (rd.getResponseCode()) {
                    case FOUND -> 302;
                    case SEE_OTHER -> 303;
                    case TEMPORARY_REDIRECT -> 307;
                    case PERMANENT_REDIRECT -> 308;
                    default -> 301;
                });
            }
            default -> throw new XdsRejection("action", "route action " + r.getActionCase() + " is not supported");
        }
        if (out.has("route")) {
            ObjectNode action = (ObjectNode) out.get("route");
            headersToAdd(action, "request_headers_to_add", r.getRequestHeadersToAddList());
            headersToAdd(action, "response_headers_to_add", r.getResponseHeadersToAddList());
            if (r.getRequestHeadersToRemoveCount() > 0) r.getRequestHeadersToRemoveList().forEach(action.putArray("request_headers_to_remove")::add);
            if (r.getResponseHeadersToRemoveCount() > 0) r.getResponseHeadersToRemoveList().forEach(action.putArray("response_headers_to_remove")::add);
        } else if (r.getRequestHeadersToAddCount() > 0 || r.getRequestHeadersToRemoveCount() > 0 || r.getResponseHeadersToAddCount() > 0
                || r.getResponseHeadersToRemoveCount() > 0) {
            throw new XdsRejection("request_headers_to_add", "header changes on a route without a route action are not converted yet");
        }
        perFilterConfig(r.getTypedPerFilterConfigMap(), path);
        warnUnhandled(r, Set.of("name", "match", "route", "direct_response", "redirect", "typed_per_filter_config", "decorator",
                "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove"), path);
        return out;
    }

    /** Envoy's header_value_option list as MOSN's {@code [{"header": {"key", "value"}, "append"}]}. */
    private static void headersToAdd(ObjectNode action, String field, List<io.envoyproxy.envoy.config.core.v3.HeaderValueOption> hs) {
        if (hs.isEmpty()) {
            return;
        }
        ArrayNode out = action.putArray(field);
        for (var h : hs) {
            ObjectNode o = out.addObject();
            ObjectNode header = o.putObject("header");
            header.put("key", h.getHeader().getKey());
            header.put("value", h.getHeader().getValue());
            boolean append = h.hasAppend() ? h.getAppend().getValue()
                    : h.getAppendAction() == io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
            o.put("append", append);
        }
    }

    private static ObjectNode match(RouteMatch m) {
        ObjectNode out = JSON.objectNode();
        switch (m.getPathSpecifierCase()) {
            case PREFIX -> out.put("prefix", m.getPrefix());
            case PATH -> out.put("path", m.getPath());
            case SAFE_REGEX -> out.put("regex", m.getSafeRegex().getRegex());
            default -> throw new XdsRejection("match", "path matcher " + m.getPathSpecifierCase() + " is not supported");
        }
        if (m.hasCaseSensitive()) {
            out.put("case_sensitive", m.getCaseSensitive().getValue());
        }
        if (m.getHeadersCount() > 0) {
            ArrayNode hs = out.putArray("headers");
            for (int i = 0; i < m.getHeadersCount(); i++) {
                try {
                    hs.add(header(m.getHeaders(i)));
                } catch (XdsRejection e) {
                    throw e.under("match.headers[" + i + "]");
                }
            }
        }
        if (m.getQueryParametersCount() > 0) {
            ArrayNode qs = out.putArray("query_parameters");
            for (int i = 0; i < m.getQueryParametersCount(); i++) {
                var q = m.getQueryParameters(i);
                ObjectNode o = qs.addObject();
                o.put("name", q.getName());
                switch (q.getQueryParameterMatchSpecifierCase()) {
                    case STRING_MATCH -> {
                        StringMatcher sm = q.getStringMatch();
                        String flags = sm.getIgnoreCase() ? "(?i)" : "";
                        switch (sm.getMatchPatternCase()) {
                            case EXACT -> {
                                if (sm.getIgnoreCase()) {
                                    regex(o, flags + Pattern.quote(sm.getExact()));
                                } else {
                                    o.put("value", sm.getExact());
                                }
                            }
                            case PREFIX -> regex(o, flags + Pattern.quote(sm.getPrefix()) + ".*");
                            case SUFFIX -> regex(o, flags + ".*" + Pattern.quote(sm.getSuffix()));
                            case CONTAINS -> regex(o, flags + ".*" + Pattern.quote(sm.getContains()) + ".*");
                            case SAFE_REGEX -> regex(o, flags + sm.getSafeRegex().getRegex());
                            default -> throw new XdsRejection("match.query_parameters[" + i + "].string_match",
                                    sm.getMatchPatternCase() + " is not supported");
                        }
                    }
                    case PRESENT_MATCH -> regex(o, ".*");
                    default -> regex(o, ".*");
                }
            }
        }
        if (m.hasRuntimeFraction() || m.hasGrpc() || m.hasTlsContext() || m.getDynamicMetadataCount() > 0) {
            throw new XdsRejection("match", "runtime_fraction, grpc, tls_context and dynamic_metadata matches are not supported yet");
        }
        return out;
    }

    /** An Envoy header matcher as MOSN's {@code {name, value, regex}}; the string matchers become anchored regular expressions. */
    static ObjectNode header(HeaderMatcher h) {
        ObjectNode out = JSON.objectNode();
        out.put("name", h.getName());
        switch (h.getHeaderMatchSpecifierCase()) {
            case EXACT_MATCH -> out.put("value", h.getExactMatch());
            case SAFE_REGEX_MATCH -> regex(out, h.getSafeRegexMatch().getRegex());
            case PREFIX_MATCH -> regex(out, Pattern.quote(h.getPrefixMatch()) + ".*");
            case SUFFIX_MATCH -> regex(out, ".*" + Pattern.quote(h.getSuffixMatch()));
            case CONTAINS_MATCH -> regex(out, ".*" + Pattern.quote(h.getContainsMatch()) + ".*");
            case PRESENT_MATCH -> out.put("present_match", h.getPresentMatch());
            case STRING_MATCH -> {
                StringMatcher s = h.getStringMatch();
                String flags = s.getIgnoreCase() ? "(?i)" : "";
                switch (s.getMatchPatternCase()) {
                    case EXACT -> {
                        if (s.getIgnoreCase()) {
                            regex(out, flags + Pattern.quote(s.getExact()));
                        } else {
                            out.put("value", s.getExact());
                        }
                    }
                    case PREFIX -> regex(out, flags + Pattern.quote(s.getPrefix()) + ".*");
                    case SUFFIX -> regex(out, flags + ".*" + Pattern.quote(s.getSuffix()));
                    case CONTAINS -> regex(out, flags + ".*" + Pattern.quote(s.getContains()) + ".*");
                    case SAFE_REGEX -> regex(out, flags + s.getSafeRegex().getRegex());
                    default -> throw new XdsRejection("string_match", "matcher " + s.getMatchPatternCase() + " is not supported");
                }
            }
            case RANGE_MATCH -> throw new XdsRejection("range_match", "header range matches are not supported yet");
            default -> out.put("present_match", true); // no specifier: Envoy matches when the header is present
        }
        if (h.getInvertMatch()) {
            out.put("invert_match", true);
        }
        if (h.getTreatMissingHeaderAsEmpty()) {
            throw new XdsRejection("treat_missing_header_as_empty", "not supported yet");
        }
        return out;
    }

    private static void regex(ObjectNode out, String pattern) {
        out.put("value", pattern);
        out.put("regex", true);
    }

    private static ObjectNode action(RouteAction a, String path) {
        ObjectNode out = JSON.objectNode();
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> out.put("cluster_name", a.getCluster());
            case WEIGHTED_CLUSTERS -> {
                // MOSN's weighted_clusters: [{"cluster": {"name", "weight"}}]
                ArrayNode ws = out.putArray("weighted_clusters");
                for (WeightedCluster.ClusterWeight w : a.getWeightedClusters().getClustersList()) {
                    ObjectNode c = ws.addObject().putObject("cluster");
                    c.put("name", w.getName());
                    c.put("weight", w.hasWeight() ? w.getWeight().getValue() : 0);
                    String at = path + ".route.weighted_clusters.clusters[" + (ws.size() - 1) + "]";
                    perFilterConfig(w.getTypedPerFilterConfigMap(), at);
                    warnUnhandled(w, Set.of("name", "weight", "typed_per_filter_config"), at);
                }
            }
            case CLUSTER_HEADER -> out.put("cluster_header", a.getClusterHeader());
            default -> throw new XdsRejection("route.cluster_specifier", a.getClusterSpecifierCase() + " is not supported");
        }
        if (a.hasTimeout()) {
            out.put("timeout", duration(a.getTimeout()));
        }
        if (a.hasRetryPolicy() && !a.getRetryPolicy().getRetryOn().isEmpty()) {
            // MOSN's retry_policy (today's loader refuses it until retries land, and says so)
            var rp = a.getRetryPolicy();
            ObjectNode r = out.putObject("retry_policy");
            r.put("retry_on", true);
            r.put("num_retries", rp.hasNumRetries() ? rp.getNumRetries().getValue() : 1);
            if (rp.hasPerTryTimeout()) {
                r.put("retry_timeout", duration(rp.getPerTryTimeout()));
            }
            if (rp.getRetriableStatusCodesCount() > 0) {
                rp.getRetriableStatusCodesList().forEach(r.putArray("status_codes")::add);
            }
            // MOSN's retry_on is one switch: Envoy's conditions are not told apart
            ConfigWarnings.warn(path + ".retry_policy.retry_on", "conditions \"" + rp.getRetryOn() + "\" become MOSN's retry_on: true "
                    + "(its own conditions apply)");
            if (rp.getRetryHostPredicateCount() > 0) {
                ConfigWarnings.warn(path + ".retry_policy.retry_host_predicate", "not converted yet; ignored");
            }
        }
        if (!a.getPrefixRewrite().isEmpty()) {
            out.put("prefix_rewrite", a.getPrefixRewrite());
        }
        if (a.hasHostRewriteLiteral()) {
            out.put("host_rewrite", a.getHostRewriteLiteral());
        }
        if (a.getRequestMirrorPoliciesCount() > 0) {
            throw new XdsRejection("route.request_mirror_policies", "request mirroring is not supported yet");
        }
        warnUnhandled(a, Set.of("cluster", "weighted_clusters", "cluster_header", "timeout", "retry_policy", "prefix_rewrite",
                "host_rewrite_literal", "request_mirror_policies", "hash_policy", "max_stream_duration"), path);
        if (a.getHashPolicyCount() > 0) {
            // MOSN's hash_policy: [{"header": {"key"}} | {"cookie": {"name", "path", "ttl"}} | {"source_ip": {}}]
            ArrayNode hp = out.putArray("hash_policy");
            for (int i = 0; i < a.getHashPolicyCount(); i++) {
                var h = a.getHashPolicy(i);
                ObjectNode o = hp.addObject();
                switch (h.getPolicySpecifierCase()) {
                    case HEADER -> o.putObject("header").put("key", h.getHeader().getHeaderName());
                    case COOKIE -> {
                        ObjectNode c = o.putObject("cookie");
                        c.put("name", h.getCookie().getName());
                        if (!h.getCookie().getPath().isEmpty()) c.put("path", h.getCookie().getPath());
                        if (h.getCookie().hasTtl()) c.put("ttl", duration(h.getCookie().getTtl()));
                    }
                    case CONNECTION_PROPERTIES -> o.putObject("source_ip");
                    default -> throw new XdsRejection("route.hash_policy[" + i + "]", h.getPolicySpecifierCase()
                            + " hashing is not supported (header, cookie and connection_properties are)");
                }
                if (h.getTerminal()) {
                    ConfigWarnings.warn(path + ".hash_policy[" + i + "].terminal", "not converted yet; ignored");
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- listeners

    /**
     * A listener converted: MOSN's listener, the route tables it carries inline (added with it) and
     * the names of those it asks RDS for (it waits for them before it is served).
     */
    public record ListenerShape(ObjectNode json, List<ObjectNode> inlineRouters, Set<String> rdsNames,
                                Map<String, Duration> rdsFetchTimeouts) {}

    public static ListenerShape listener(Listener l) {
        String path = "listener " + l.getName();
        if (l.getName().isBlank()) {
            throw new XdsRejection("name", "required");
        }
        ObjectNode out = JSON.objectNode();
        out.put("name", l.getName());
        out.put("address", address(l.getAddress(), "address"));
        boolean bind = !l.hasBindToPort() || l.getBindToPort().getValue();
        if (l.hasDeprecatedV1() && l.getDeprecatedV1().hasBindToPort()) {
            bind = l.getDeprecatedV1().getBindToPort().getValue();
        }
        out.put("bind_port", bind);
        // Envoy's enable_reuse_port is on unless turned off (Linux): a socket per worker, as MOSN's reuseport
        out.put("reuseport", !l.hasEnableReusePort() || l.getEnableReusePort().getValue());
        switch (l.getTrafficDirection()) {
            // MOSN's listener type; an inbound one is what POST /drain_listeners?inboundonly drains
            case INBOUND -> out.put("type", "ingress");
            case OUTBOUND -> out.put("type", "egress");
            default -> { }
        }
        if (l.hasUseOriginalDst() && l.getUseOriginalDst().getValue()) {
            out.put("use_original_dst", "redirect");
        }
        if (l.hasPerConnectionBufferLimitBytes()) {
            out.put("per_connection_buffer_limit_bytes", l.getPerConnectionBufferLimitBytes().getValue());
        }
        if (l.getListenerFiltersCount() > 0) {
            throw new XdsRejection("listener_filters", "listener filters (" + l.getListenerFilters(0).getName()
                    + ") are not converted yet");
        }
        List<ObjectNode> inline = new ArrayList<>();
        Set<String> rds = new LinkedHashSet<>();
        Map<String, Duration> timeouts = new java.util.HashMap<>();
        ArrayNode chains = out.putArray("filter_chains");
        ArrayNode streamFilters = null;
        for (int i = 0; i < l.getFilterChainsCount(); i++) {
            List<ArrayNode> httpFilters = new ArrayList<>();
            try {
                chains.add(filterChain(l.getFilterChains(i), l.getName(), inline, rds, timeouts, httpFilters,
                        path + ".filter_chains[" + i + "]"));
            } catch (XdsRejection e) {
                throw e.under("filter_chains[" + i + "]");
            }
            for (ArrayNode f : httpFilters) {
                // mosn4j runs one stream filter list per listener (MOSN's stream_filters); Envoy has one per HCM
                if (streamFilters == null) {
                    streamFilters = f;
                } else if (!streamFilters.equals(f)) {
                    throw new XdsRejection("filter_chains[" + i + "]", "its HTTP filters differ from an earlier chain's; "
                            + "mosn4j runs one stream filter list per listener");
                }
            }
        }
        if (streamFilters != null && !streamFilters.isEmpty()) {
            out.set("stream_filters", streamFilters);
        }
        if (l.hasDefaultFilterChain()) {
            throw new XdsRejection("default_filter_chain", "a default filter chain is not converted yet");
        }
        warnUnhandled(l, Set.of("name", "address", "bind_to_port", "deprecated_v1", "use_original_dst", "enable_reuse_port",
                "per_connection_buffer_limit_bytes", "listener_filters", "filter_chains", "default_filter_chain", "traffic_direction",
                "stat_prefix"), path);
        return new ListenerShape(out, inline, rds, timeouts);
    }

    private static ObjectNode filterChain(FilterChain fc, String listener, List<ObjectNode> inline, Set<String> rds,
                                          Map<String, Duration> timeouts, List<ArrayNode> httpFilters, String path) {
        ObjectNode out = JSON.objectNode();
        if (fc.hasFilterChainMatch()) {
            FilterChainMatch m = fc.getFilterChainMatch();
            ObjectNode match = out.putObject("filter_chain_match");
            if (m.hasDestinationPort()) match.put("destination_port", m.getDestinationPort().getValue());
            if (m.getServerNamesCount() > 0) m.getServerNamesList().forEach(match.putArray("server_names")::add);
            if (!m.getTransportProtocol().isEmpty()) match.put("transport_protocol", m.getTransportProtocol());
            if (m.getApplicationProtocolsCount() > 0) m.getApplicationProtocolsList().forEach(match.putArray("application_protocols")::add);
            if (m.getPrefixRangesCount() > 0 || m.getSourcePrefixRangesCount() > 0 || m.getDirectSourcePrefixRangesCount() > 0
                    || m.getSourcePortsCount() > 0 || m.getSourceType() != FilterChainMatch.ConnectionSourceType.ANY) {
                // MOSN's names for them; today's loader refuses them and says so
                if (m.getPrefixRangesCount() > 0) match.putArray("prefix_ranges").addObject().put("address_prefix",
                        m.getPrefixRanges(0).getAddressPrefix());
                if (m.getSourcePrefixRangesCount() > 0) match.putArray("source_prefix_ranges").addObject().put("address_prefix",
                        m.getSourcePrefixRanges(0).getAddressPrefix());
                if (m.getDirectSourcePrefixRangesCount() > 0) match.putArray("direct_source_prefix_ranges").addObject()
                        .put("address_prefix", m.getDirectSourcePrefixRanges(0).getAddressPrefix());
                if (m.getSourcePortsCount() > 0) match.putArray("source_ports").add(m.getSourcePorts(0));
                if (m.getSourceType() != FilterChainMatch.ConnectionSourceType.ANY) match.put("source_type", m.getSourceType().name());
            }
        }
        if (fc.hasTransportSocket()) {
            try {
                ObjectNode tls = EnvoyTls.downstream(fc.getTransportSocket(), path + ".transport_socket");
                if (tls != null) {
                    out.set("tls_context", tls);
                }
            } catch (XdsRejection e) {
                throw e.under("transport_socket");
            }
        }
        ArrayNode filters = out.putArray("filters");
        for (int i = 0; i < fc.getFiltersCount(); i++) {
            Filter f = fc.getFilters(i);
            String at = "filters[" + i + "]";
            if (!f.hasTypedConfig()) {
                throw new XdsRejection(at + ".typed_config", "required (filter " + f.getName() + ")");
            }
            Any any = f.getTypedConfig();
            try {
                switch (any.getTypeUrl()) {
                    case HCM -> filters.add(httpConnectionManager(any.unpack(HttpConnectionManager.class), listener, i, inline, rds,
                            timeouts, httpFilters, path + "." + at + ".typed_config"));
                    case TCP_PROXY -> filters.add(tcpProxy(any.unpack(TcpProxy.class), path + "." + at + ".typed_config"));
                    // Istio's AuthorizationPolicy on TCP: the network filter rbac, ahead of the proxy
                    case NETWORK_RBAC -> filters.add(streamFilter("rbac", any, at));
                    default -> throw new XdsRejection("typed_config", "network filter " + any.getTypeUrl() + " (" + f.getName()
                            + ") is not supported");
                }
            } catch (InvalidProtocolBufferException e) {
                throw new XdsRejection(at + ".typed_config", "cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
            } catch (XdsRejection e) {
                throw e.under(at);
            }
        }
        warnUnhandled(fc, Set.of("filter_chain_match", "filters", "transport_socket", "name", "metadata"), path);
        return out;
    }

    private static ObjectNode httpConnectionManager(HttpConnectionManager h, String listener, int index, List<ObjectNode> inline,
                                                    Set<String> rds, Map<String, Duration> timeouts, List<ArrayNode> httpFilters,
                                                    String path) {
        ObjectNode proxy = JSON.objectNode();
        proxy.put("downstream_protocol", switch (h.getCodecType()) {
            case AUTO -> "Auto";
            case HTTP1 -> "Http1";
            case HTTP2 -> "Http2";
            default -> throw new XdsRejection("codec_type", h.getCodecType() + " is not supported");
        });
        proxy.put("upstream_protocol", "Auto"); // as MOSN converts it: the downstream request's protocol
        switch (h.getRouteSpecifierCase()) {
            case RDS -> {
                String name = h.getRds().getRouteConfigName();
                if (name.isEmpty()) {
                    throw new XdsRejection("rds.route_config_name", "required");
                }
                checkAds(h.getRds().getConfigSource(), "rds.config_source");
                proxy.put("router_config_name", name);
                rds.add(name);
                timeouts.put(name, fetchTimeout(h.getRds().getConfigSource()));
            }
            case ROUTE_CONFIG -> {
                // an inline table belongs to this listener alone: named after it, so two listeners' tables never collide
                String name = listener + "#" + index + (h.getRouteConfig().getName().isEmpty() ? "" : "#" + h.getRouteConfig().getName());
                try {
                    inline.add(router(h.getRouteConfig(), name));
                } catch (XdsRejection e) {
                    throw e.under("route_config");
                }
                proxy.put("router_config_name", name);
            }
            default -> throw new XdsRejection("route_specifier", h.getRouteSpecifierCase() + " (scoped routes) is not supported");
        }
        boolean router = false;
        ArrayNode streamFilters = JSON.arrayNode();
        for (int i = 0; i < h.getHttpFiltersCount(); i++) {
            HttpFilter f = h.getHttpFilters(i);
            String url = f.hasTypedConfig() ? f.getTypedConfig().getTypeUrl() : "";
            if (url.equals(ROUTER) || f.getName().equals("envoy.filters.http.router") || f.getName().equals("envoy.router")) {
                router = true;
            } else if (url.equals(COMPRESSOR)) {
                try {
                    ObjectNode gzip = compressor(f.getTypedConfig().unpack(Compressor.class), path + ".http_filters[" + i + "].typed_config");
                    if (gzip != null) {
                        streamFilters.add(gzip);
                    }
                } catch (InvalidProtocolBufferException e) {
                    throw new XdsRejection("http_filters[" + i + "].typed_config", "cannot decode " + url + ": " + e.getMessage());
                } catch (XdsRejection e) {
                    throw e.under("http_filters[" + i + "].typed_config");
                }
            } else if (url.equals(RBAC) || url.equals(JWT_AUTHN)) {
                if (router) {
                    throw new XdsRejection("http_filters[" + i + "]", "HTTP filter " + f.getName() + " comes after the router");
                }
                if (f.getDisabled()) {
                    throw new XdsRejection("http_filters[" + i + "].disabled", "filters enabled per route are not supported");
                }
                streamFilters.add(streamFilter(url.equals(RBAC) ? "rbac" : "jwt_authn", f.getTypedConfig(), "http_filters[" + i + "]"));
            } else if (ISTIO_ONLY_FILTERS.contains(f.getName()) || f.getIsOptional()) {
                ConfigWarnings.warn(path + ".http_filters[" + i + "]", "HTTP filter " + f.getName() + " is not supported; skipped"
                        + (f.getIsOptional() ? " (is_optional)" : " (Istio telemetry only)"));
            } else {
                throw new XdsRejection("http_filters[" + i + "]", "HTTP filter " + f.getName() + (url.isEmpty() ? "" : " (" + url + ")")
                        + " is not supported yet");
            }
        }
        if (!router) {
            throw new XdsRejection("http_filters", "the chain must end with envoy.filters.http.router");
        }
        httpFilters.add(streamFilters);
        if (h.hasUseRemoteAddress() && h.getUseRemoteAddress().getValue()) {
            ConfigWarnings.warn(path + ".use_remote_address", "x-forwarded-for is not appended yet; ignored");
        }
        warnUnhandled(h, Set.of("codec_type", "rds", "route_config", "http_filters", "stat_prefix", "use_remote_address",
                "normalize_path", "merge_slashes", "upgrade_configs", "access_log", "tracing", "forward_client_cert_details",
                "set_current_client_cert_details", "generate_request_id", "preserve_external_request_id", "server_name",
                "internal_address_config", "common_http_protocol_options", "http_protocol_options", "http2_protocol_options",
                "stream_idle_timeout", "request_timeout", "path_with_escaped_slashes_action", "delayed_close_timeout"), path);
        ObjectNode filter = JSON.objectNode();
        filter.put("type", "proxy");
        filter.set("config", proxy);
        return filter;
    }

    /**
     * Envoy's {@code envoy.filters.http.compressor} with its gzip library as MOSN's {@code gzip}
     * stream filter: the level, {@code min_content_length} (Envoy's default 30) and
     * {@code content_type} (Envoy's default list) of the response direction; null when the
     * response direction is turned off. zlib tuning (memory level, window, strategy, chunk size)
     * and the etag and accept-encoding switches are warned about and left at mosn4j's behaviour.
     */
    private static ObjectNode compressor(Compressor c, String path) throws InvalidProtocolBufferException {
        if (!c.hasCompressorLibrary() || !c.getCompressorLibrary().hasTypedConfig()) {
            throw new XdsRejection("compressor_library", "required");
        }
        Any library = c.getCompressorLibrary().getTypedConfig();
        if (!library.getTypeUrl().equals(GZIP)) {
            throw new XdsRejection("compressor_library.typed_config", library.getTypeUrl() + " is not supported (gzip is)");
        }
        Gzip gzip = library.unpack(Gzip.class);
        warnUnhandled(gzip, Set.of("compression_level"), path + ".compressor_library.typed_config");
        Compressor.CommonDirectionConfig common = c.getResponseDirectionConfig().getCommonConfig();
        if (common.hasEnabled() && common.getEnabled().hasDefaultValue() && !common.getEnabled().getDefaultValue().getValue()) {
            return null;
        }
        if (c.hasRuntimeEnabled() && c.getRuntimeEnabled().hasDefaultValue() && !c.getRuntimeEnabled().getDefaultValue().getValue()) {
            return null;
        }
        if (c.hasRequestDirectionConfig()) {
            ConfigWarnings.warn(path + ".request_direction_config", "request compression is not supported; requests go as they are");
        }
        if (c.getResponseDirectionConfig().getDisableOnEtagHeader() || c.getDisableOnEtagHeader()) {
            ConfigWarnings.warn(path + ".response_direction_config.disable_on_etag_header",
                    "not supported; a response with a strong etag is compressed and its etag made weak");
        }
        if (c.getResponseDirectionConfig().getRemoveAcceptEncodingHeader() || c.getRemoveAcceptEncodingHeader()) {
            ConfigWarnings.warn(path + ".response_direction_config.remove_accept_encoding_header",
                    "not supported; accept-encoding goes upstream");
        }
        if (c.getResponseDirectionConfig().getUncompressibleResponseCodesCount() > 0) {
            ConfigWarnings.warn(path + ".response_direction_config.uncompressible_response_codes", "not supported; ignored");
        }
        ObjectNode config = JSON.objectNode();
        config.put("gzip_level", gzip.getCompressionLevelValue()); // 0: zlib's default, as the gzip filter's 0
        long min = common.hasMinContentLength() ? common.getMinContentLength().getValue()
                : c.hasContentLength() ? c.getContentLength().getValue() : 30;
        config.put("content_length", min);
        List<String> types = common.getContentTypeCount() > 0 ? common.getContentTypeList()
                : c.getContentTypeCount() > 0 ? c.getContentTypeList() : ENVOY_COMPRESSIBLE;
        ArrayNode t = config.putArray("content_types");
        types.forEach(t::add);
        ObjectNode filter = JSON.objectNode();
        filter.put("type", "gzip");
        filter.set("config", config);
        return filter;
    }

    /**
     * An Envoy filter whose typed config mosn4j's filter of {@code type} takes as it is (MOSN
     * unmarshals it with jsonpb): the message as proto JSON with the proto's field names, checked
     * by the filter when the listener is loaded. The HTTP filters become stream filters, the
     * network RBAC a network filter.
     */
    private static ObjectNode streamFilter(String type, Any typed, String at) {
        ObjectNode out = JSON.objectNode();
        out.put("type", type);
        try {
            Message m = switch (typed.getTypeUrl()) {
                case RBAC -> typed.unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
                case NETWORK_RBAC -> typed.unpack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class);
                default -> typed.unpack(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.class);
            };
            String json = com.google.protobuf.util.JsonFormat.printer().preservingProtoFieldNames().print(m);
            out.set("config", io.mosn4j.config.ConfigLoader.mapper().readTree(json));
        } catch (InvalidProtocolBufferException e) {
            throw new XdsRejection(at + ".typed_config", "cannot decode " + typed.getTypeUrl() + ": " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new XdsRejection(at + ".typed_config", "cannot convert " + typed.getTypeUrl() + ": " + e.getMessage());
        }
        return out;
    }

    private static ObjectNode tcpProxy(TcpProxy t, String path) {
        ObjectNode config = JSON.objectNode();
        config.put("stat_prefix", t.getStatPrefix());
        switch (t.getClusterSpecifierCase()) {
            case CLUSTER -> config.put("cluster", t.getCluster());
            default -> throw new XdsRejection("cluster_specifier", t.getClusterSpecifierCase() + " is not converted yet");
        }
        if (t.hasIdleTimeout()) {
            config.put("idle_timeout", duration(t.getIdleTimeout()));
        }
        if (t.hasMaxConnectAttempts()) {
            config.put("max_connect_attempts", t.getMaxConnectAttempts().getValue());
        }
        warnUnhandled(t, Set.of("stat_prefix", "cluster", "idle_timeout", "max_connect_attempts", "access_log"), path);
        ObjectNode filter = JSON.objectNode();
        filter.put("type", "tcp_proxy");
        filter.set("config", config);
        return filter;
    }

    // ---------------------------------------------------------------- common

    /** Only the ADS stream delivers resources: a source naming another server cannot be followed. */
    static void checkAds(ConfigSource source, String path) {
        if (!source.hasAds() && source.getConfigSourceSpecifierCase() != ConfigSource.ConfigSourceSpecifierCase.CONFIGSOURCESPECIFIER_NOT_SET) {
            throw new XdsRejection(path, "only ads config sources are supported (got " + source.getConfigSourceSpecifierCase() + ")");
        }
    }

    /** {@code initial_fetch_timeout} of a config source: default 15 s; zero waits forever (null). */
    static Duration fetchTimeout(ConfigSource source) {
        if (!source.hasInitialFetchTimeout()) {
            return Duration.ofSeconds(15);
        }
        Duration d = Duration.ofSeconds(source.getInitialFetchTimeout().getSeconds(), source.getInitialFetchTimeout().getNanos());
        return d.isZero() ? null : d;
    }

    static String address(Address a, String path) {
        if (!a.hasSocketAddress()) {
            throw new XdsRejection(path, "only socket_address is supported (got " + a.getAddressCase() + ")");
        }
        SocketAddress s = a.getSocketAddress();
        if (s.getProtocol() != SocketAddress.Protocol.TCP) {
            throw new XdsRejection(path + ".protocol", "only TCP is supported");
        }
        if (s.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE) {
            throw new XdsRejection(path + ".named_port", "only port_value is supported");
        }
        String host = s.getAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + s.getPortValue();
    }

    static String duration(com.google.protobuf.Duration d) {
        return GoDuration.format(Duration.ofSeconds(d.getSeconds(), d.getNanos()));
    }

    /** Warns about every field {@code m} sets that the conversion does not read. */
    private static void warnUnhandled(Message m, Set<String> handled, String path) {
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            String name = e.getKey().getName();
            if (!handled.contains(name)) {
                ConfigWarnings.warn(path + "." + name, "not converted yet; ignored");
            }
        }
    }
}
