package io.mosn4j.proxy;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.ProxyConfig;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.network.NetworkFilterFactory;
import io.mosn4j.api.protocol.CodecRegistry;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.router.Router;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code proxy} network filter: {@code downstream_protocol}, {@code upstream_protocol},
 * {@code router_config_name}, {@code extend_config}. Protocol names are the codecs on the class
 * path (any case), plus MOSN's {@code Auto} (detect per connection), {@code X} (the RPC protocol in
 * {@code extend_config.sub_protocol}) and {@code SofaRpc} (bolt's old name).
 */
public final class ProxyFilterFactory implements NetworkFilterFactory {
    private static final String AUTO = "Auto";
    private static final String HTTP = "http";
    /** Known to MOSN, not built yet: refused with a clear message rather than "unknown". */
    private static final Set<String> LATER = Set.of("dubbo_thrift", "http3");
    /** RPC protocols mosn4j ships as modules: named in a config while their jar is missing. */
    private static final Set<String> SHIPPED = Set.of("bolt", "boltv2", "dubbo", "tars");

    @Override
    public String name() {
        return "proxy";
    }

    @Override
    public Class<?> configType() {
        return ProxyConfig.class;
    }

    @Override
    public NetworkFilter create(ConfigValue config, ListenerContext listener) {
        CodecRegistry codecs = listener.codecs();
        config.as(ProxyConfig.class); // refuses or warns about MOSN's keys this filter does not act on
        ConfigValue ext = config.get("extend_config");
        if (ext instanceof JsonConfigValue j) {
            ext = j.asShared(); // every protocol takes its own keys from it: the others' are not unknown
        }
        String down = config.get("downstream_protocol").asText("");
        ProtocolCodec downstream = resolve(down.isBlank() ? "Http1" : down, config.get("downstream_protocol"), ext, codecs);
        String up = config.get("upstream_protocol").asText("");
        ProtocolCodec upstream = up.isBlank() || up.equalsIgnoreCase(AUTO) ? downstream : resolve(up, config.get("upstream_protocol"), ext, codecs);
        // an HTTP client calling an RPC service: the transcoder stream filter converts each request (MOSN's
        // transcoder sample); a request no transcoder takes fails at the RPC upstream (502)
        boolean transcodable = downstream != null && upstream != null && downstream.family().equals(HTTP) && !upstream.family().equals(HTTP);
        if (downstream != null && upstream != null && !downstream.family().equals(upstream.family()) && !transcodable) {
            throw config.error("upstream_protocol", "cannot convert " + downstream.name() + " requests to " + upstream.name()
                    + (upstream.family().equals(HTTP)
                            ? " (conversion from RPC protocols to HTTP is not supported)"
                            : " (conversion between RPC protocols is not supported)"));
        }
        List<ProtocolCodec> detectable = new ArrayList<>();
        if (downstream == null) {
            // an Auto listener with a fixed upstream takes only what converts to it
            for (ProtocolCodec c : codecs.all()) {
                if (upstream == null || c.family().equals(upstream.family())) {
                    detectable.add(c);
                }
            }
        }
        Map<ProtocolCodec, Object> options = new IdentityHashMap<>();
        for (ProtocolCodec c : downstream == null ? detectable : List.of(downstream)) {
            options.put(c, c.serverOptions(ext));
        }
        String routerName = config.get("router_config_name").asText(null);
        if (routerName == null || routerName.isBlank()) {
            throw config.error("router_config_name", "required");
        }
        Supplier<Router> router = listener.router(routerName);
        if (router.get() == null) {
            throw config.error("router_config_name", "no router named \"" + routerName + "\" in servers[0].routers");
        }
        return new ProxyFilter(listener, router, downstream, detectable, upstream, options);
    }

    /** The codec a protocol name stands for; null for {@code Auto}. */
    private static ProtocolCodec resolve(String name, ConfigValue field, ConfigValue ext, CodecRegistry codecs) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("auto")) {
            return null;
        }
        if (lower.equals("x")) {
            ConfigValue sub = ext.get("sub_protocol");
            String s = sub.asText("");
            if (s.isBlank()) {
                throw new ConfigException(field.path(), "\"X\" needs extend_config.sub_protocol naming the RPC protocol (" + rpcNames(codecs) + ")");
            }
            ProtocolCodec c = named(s, sub, codecs);
            if (c == null || c.family().equals(HTTP)) {
                throw new ConfigException(sub.path(), "\"" + s + "\" is not an RPC protocol");
            }
            return c;
        }
        ProtocolCodec c = named(name, field, codecs);
        if (c == null) {
            throw new ConfigException(field.path(), "protocol \"" + name + "\" is not supported yet (supported: " + supported(codecs) + ")");
        }
        return c;
    }

    private static ProtocolCodec named(String name, ConfigValue field, CodecRegistry codecs) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("sofarpc")) {
            lower = "bolt"; // MOSN's name for bolt before XProtocol
        }
        ProtocolCodec c = codecs.get(lower);
        if (c != null) {
            return c;
        }
        if (SHIPPED.contains(lower)) {
            throw new ConfigException(field.path(), "protocol \"" + name + "\" is not available: its module (mosn-protocol-*) is not on the class path");
        }
        if (LATER.contains(lower)) {
            return null;
        }
        throw new ConfigException(field.path(), "unknown value \"" + name + "\" (expected " + supported(codecs) + ")");
    }

    private static String supported(CodecRegistry codecs) {
        StringBuilder b = new StringBuilder();
        codecs.all().stream().filter(c -> c.family().equals(HTTP)).map(ProtocolCodec::name).sorted()
                .forEach(n -> b.append(b.isEmpty() ? "" : ", ").append(n));
        b.append(b.isEmpty() ? "" : ", ").append("Auto, X");
        for (ProtocolCodec c : codecs.all()) {
            if (!c.family().equals(HTTP)) {
                b.append(", ").append(c.name());
            }
        }
        return b.toString();
    }

    private static String rpcNames(CodecRegistry codecs) {
        return String.join(", ", codecs.all().stream().filter(c -> !c.family().equals(HTTP)).map(ProtocolCodec::name).toList());
    }
}
