package io.mosn4j.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.ConfigWarnings;
import java.time.Duration;
import java.util.List;

/**
 * An Envoy v3 bootstrap inside a mosn4j config file: {@code node}, {@code static_resources} and
 * {@code dynamic_resources} beside (or instead of) MOSN's {@code servers} and
 * {@code cluster_manager} — MOSN's "mixed" mode when both are there. Envoy's {@code admin} has
 * MOSN's shape and is read by the MOSN loader. Static clusters and listeners become MOSN config,
 * like a file's; {@code dynamic_resources} says where the ADS stream goes ({@link #ads()}).
 *
 * @param mosn the MOSN config the loader reads: the file without the Envoy sections, plus the
 *     static resources converted
 * @param bootstrap the Envoy sections parsed; null when the file has none (then {@link #bootstrap()} is the
 *     empty message: a config without Envoy sections never initialises protobuf's classes at start, whose
 *     first use sets up java.util.logging and with it a ServiceLoader lookup over the whole class path)
 * @param ads where and how to open the ADS stream; null without {@code dynamic_resources}
 */
public record XdsBootstrap(JsonNode mosn, Bootstrap bootstrap, Ads ads) {
    private static final List<String> ENVOY_SECTIONS = List.of("node", "static_resources", "dynamic_resources");

    /**
     * Every {@code @type} a bootstrap's static resources may carry; built on first use, so that a
     * config without Envoy sections (most) never loads the descriptors: they are hundreds of classes
     * and some MiB of metaspace and heap in every proxy that has no use for them.
     */
    private static final class Types {
        static final TypeRegistry TYPES = TypeRegistry.newBuilder()
                .add(HttpConnectionManager.getDescriptor())
                .add(Router.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip.getDescriptor())
                .add(TcpProxy.getDescriptor())
                .add(HttpProtocolOptions.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
                .add(io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer.getDescriptor())
                .build();
    }

    /**
     * The ADS server: a TCP address or a Unix socket {@code pipe}, plus when each type's first
     * response may be waited for ({@code initial_fetch_timeout}; null waits forever).
     */
    public record Ads(String cluster, String host, int port, String pipe, boolean nodeOnFirstMessageOnly,
                      Duration cdsFetchTimeout, Duration ldsFetchTimeout, boolean delta) {
        public String describe() {
            return "cluster " + cluster + " at " + (pipe != null ? "unix:" + pipe : host + ":" + port);
        }
    }

    public boolean dynamic() {
        return ads != null;
    }

    /** The Envoy sections parsed, or the empty message when the file has none. */
    @Override
    public Bootstrap bootstrap() {
        return bootstrap != null ? bootstrap : Bootstrap.getDefaultInstance();
    }

    /** Whether the file has Envoy sections (then {@code /config_dump} answers in Envoy's format). */
    public boolean envoy() {
        return bootstrap != null && !bootstrap.equals(Bootstrap.getDefaultInstance());
    }

    /** Splits {@code tree} (a whole config file) into MOSN's part and Envoy's; ConfigException naming the field. */
    public static XdsBootstrap of(JsonNode tree) {
        ObjectNode mosn = tree.deepCopy();
        ObjectNode envoy = mosn.objectNode();
        for (String key : ENVOY_SECTIONS) {
            JsonNode v = mosn.remove(key);
            if (v != null) {
                envoy.set(key, v);
            }
        }
        if (envoy.isEmpty()) {
            return new XdsBootstrap(tree, null, null);
        }
        Bootstrap.Builder b = Bootstrap.newBuilder();
        try {
            JsonFormat.parser().usingTypeRegistry(Types.TYPES).merge(ConfigLoader.mapper().writeValueAsString(envoy), b);
        } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("", "invalid Envoy bootstrap (node, static_resources, dynamic_resources): "
                    + ConfigLoader.oneLine(e.getMessage()));
        }
        Bootstrap bootstrap = b.build();
        addStatic(bootstrap, mosn);
        bootstrap = withAdmin(bootstrap, mosn.get("admin"));
        Ads ads = bootstrap.hasDynamicResources() ? ads(bootstrap) : null;
        return new XdsBootstrap(mosn, bootstrap, ads);
    }

    /**
     * The bootstrap with its {@code admin} section as well, for {@code /config_dump}: Envoy's and
     * MOSN's share their shape, and the MOSN loader reads it; what Envoy's message lacks is left out.
     */
    private static Bootstrap withAdmin(Bootstrap bootstrap, JsonNode admin) {
        if (admin == null || !admin.isObject()) {
            return bootstrap;
        }
        Bootstrap.Builder b = bootstrap.toBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge("{\"admin\": " + ConfigLoader.mapper().writeValueAsString(admin) + "}", b);
            return b.build();
        } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
            return bootstrap; // only the dump would show it
        }
    }

    private static void addStatic(Bootstrap b, ObjectNode mosn) {
        ObjectNode clusterManager = mosn.has("cluster_manager") ? (ObjectNode) mosn.get("cluster_manager") : mosn.putObject("cluster_manager");
        ArrayNode clusters = clusterManager.has("clusters") ? (ArrayNode) clusterManager.get("clusters") : clusterManager.putArray("clusters");
        var s = b.getStaticResources();
        for (int i = 0; i < s.getClustersCount(); i++) {
            Cluster c = s.getClusters(i);
            String at = "static_resources.clusters[" + i + "]";
            if (hasPipe(c)) {
                // Istio's xds-grpc and sds-grpc: Unix sockets the agent serves; only the xDS client dials them
                ConfigWarnings.warn(at, "cluster " + c.getName() + " has Unix socket (pipe) endpoints: not a proxy cluster; "
                        + "only dynamic_resources' ADS stream may use it");
                continue;
            }
            try {
                EnvoyConversion.ClusterShape shape = EnvoyConversion.cluster(c);
                if (shape.edsServiceName() != null) {
                    throw new XdsRejection("type", "static EDS clusters are not supported; make it STATIC or send it by CDS");
                }
                clusters.add(shape.json());
            } catch (XdsRejection e) {
                throw new ConfigException(at + "." + e.field(), e.reason());
            }
        }
        if (s.getListenersCount() == 0) {
            return;
        }
        ArrayNode servers = mosn.has("servers") ? (ArrayNode) mosn.get("servers") : mosn.putArray("servers");
        ObjectNode server = servers.isEmpty() ? servers.addObject() : (ObjectNode) servers.get(0);
        ArrayNode listeners = server.has("listeners") ? (ArrayNode) server.get("listeners") : server.putArray("listeners");
        ArrayNode routers = server.has("routers") ? (ArrayNode) server.get("routers") : server.putArray("routers");
        for (int i = 0; i < s.getListenersCount(); i++) {
            Listener l = s.getListeners(i);
            String at = "static_resources.listeners[" + i + "]";
            if (l.getName().isEmpty()) {
                l = l.toBuilder().setName("static_listener_" + i).build(); // Istio's static listeners are unnamed
            }
            try {
                EnvoyConversion.ListenerShape shape = EnvoyConversion.listener(l);
                if (!shape.rdsNames().isEmpty()) {
                    throw new XdsRejection("filter_chains", "a static listener's routes must be inline (route_config), not RDS");
                }
                shape.inlineRouters().forEach(routers::add);
                listeners.add(shape.json());
            } catch (XdsRejection e) {
                throw new ConfigException(at + "." + e.field(), e.reason());
            }
        }
    }

    private static boolean hasPipe(Cluster c) {
        return c.getLoadAssignment().getEndpointsList().stream().flatMap(e -> e.getLbEndpointsList().stream())
                .anyMatch(e -> e.getEndpoint().getAddress().hasPipe());
    }

    private static Ads ads(Bootstrap b) {
        var d = b.getDynamicResources();
        String at = "dynamic_resources";
        if (!d.hasAdsConfig()) {
            throw new ConfigException(at + ".ads_config", "required: mosn4j reads every resource from one ADS stream");
        }
        ApiConfigSource ads = d.getAdsConfig();
        boolean delta = switch (ads.getApiType()) {
            case GRPC, AGGREGATED_GRPC -> false;
            case DELTA_GRPC, AGGREGATED_DELTA_GRPC -> true;
            default -> throw new ConfigException(at + ".ads_config.api_type", ads.getApiType() + " is not supported; use GRPC or DELTA_GRPC");
        };
        if (ads.getGrpcServicesCount() != 1 || !ads.getGrpcServices(0).hasEnvoyGrpc()) {
            throw new ConfigException(at + ".ads_config.grpc_services", "exactly one envoy_grpc service naming a static cluster is required");
        }
        GrpcService.EnvoyGrpc grpc = ads.getGrpcServices(0).getEnvoyGrpc();
        for (String name : List.of("cds_config", "lds_config")) {
            ConfigSource src = name.equals("cds_config") ? d.getCdsConfig() : d.getLdsConfig();
            boolean has = name.equals("cds_config") ? d.hasCdsConfig() : d.hasLdsConfig();
            if (has && !src.hasAds()) {
                throw new ConfigException(at + "." + name, "only ads: {} is supported (got " + src.getConfigSourceSpecifierCase() + ")");
            }
        }
        if (!d.getCdsResourcesLocator().isEmpty() || !d.getLdsResourcesLocator().isEmpty()) {
            throw new ConfigException(at, "xDS-TP resource locators are not supported");
        }
        Cluster target = null;
        for (Cluster c : b.getStaticResources().getClustersList()) {
            if (c.getName().equals(grpc.getClusterName())) {
                target = c;
            }
        }
        String field = at + ".ads_config.grpc_services[0].envoy_grpc.cluster_name";
        if (target == null) {
            throw new ConfigException(field, "no static cluster named \"" + grpc.getClusterName() + "\"");
        }
        var eps = target.getLoadAssignment().getEndpointsList();
        if (eps.isEmpty() || eps.get(0).getLbEndpointsCount() == 0) {
            throw new ConfigException(field, "static cluster \"" + grpc.getClusterName() + "\" has no endpoint");
        }
        Address a = eps.get(0).getLbEndpoints(0).getEndpoint().getAddress();
        Duration cds = d.hasCdsConfig() ? EnvoyConversion.fetchTimeout(d.getCdsConfig()) : Duration.ofSeconds(15);
        Duration lds = d.hasLdsConfig() ? EnvoyConversion.fetchTimeout(d.getLdsConfig()) : Duration.ofSeconds(15);
        boolean firstOnly = ads.getSetNodeOnFirstMessageOnly();
        if (a.hasPipe()) {
            return new Ads(grpc.getClusterName(), null, 0, a.getPipe().getPath(), firstOnly, cds, lds, delta);
        }
        if (!a.hasSocketAddress()) {
            throw new ConfigException(field, "the cluster's endpoint needs a socket_address or a pipe");
        }
        return new Ads(grpc.getClusterName(), a.getSocketAddress().getAddress(), a.getSocketAddress().getPortValue(), null, firstOnly,
                cds, lds, delta);
    }
}
