package io.mosn4j.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.config.HostConfig;
import io.mosn4j.config.SocketAddresses;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code SIMPLE} (MOSN's static cluster; {@code STATIC} is Envoy's name for it): the config's
 * hosts, as written. A host name is resolved once, when the cluster is built.
 */
public final class StaticClusterType implements ClusterType {
    @Override
    public String name() {
        return "SIMPLE";
    }

    @Override
    public List<String> aliases() {
        return List.of("STATIC");
    }

    @Override
    public Discovery start(ClusterConfig config, ConfigValue raw, Context context) {
        List<HostSpec> hosts = specs(config, raw, true);
        return () -> hosts;
    }

    /**
     * The config's hosts: duplicates refused, metadata read; with {@code resolve}, names resolved
     * now (blocking: call off the event loops), else left unresolved.
     */
    static List<HostSpec> specs(ClusterConfig config, ConfigValue raw, boolean resolve) {
        List<HostSpec> out = new ArrayList<>(config.hosts().size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < config.hosts().size(); i++) {
            HostConfig hc = config.hosts().get(i);
            String path = raw.path() + ".hosts[" + i + "]";
            if (!seen.add(hc.address())) {
                throw new ConfigException(path + ".address", "duplicate host \"" + hc.address() + "\"");
            }
            Map<String, String> metadata = metadata(hc.metadata(), path + ".metadata");
            InetSocketAddress unresolved = SocketAddresses.parse(hc.address(), "address");
            InetSocketAddress address = unresolved;
            if (resolve) {
                address = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
                if (address.isUnresolved()) {
                    throw new ConfigException(path + ".address", "cannot resolve host \"" + unresolved.getHostString() + "\"");
                }
            }
            out.add(new HostSpec(hc.address(), address, hc.weight(), metadata, hc.hostname()));
        }
        return out;
    }

    /** MOSN's host metadata: {@code {"filter_metadata": {"mosn.lb": {"k": "v"}}}}, values as strings. */
    static Map<String, String> metadata(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        JsonNode lb = node.path("filter_metadata").path("mosn.lb");
        if (lb.isMissingNode()) {
            return Map.of();
        }
        if (!lb.isObject()) {
            throw new ConfigException(path + ".filter_metadata.mosn.lb", "expected an object of key/value pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        lb.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }
}
