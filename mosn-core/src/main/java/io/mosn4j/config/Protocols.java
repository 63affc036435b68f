package io.mosn4j.config;

import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.stream.xprotocol.XProtocols;
import java.util.Locale;
import java.util.Set;

/** The protocol names the {@code proxy} filter accepts, as MOSN spells them. */
public final class Protocols {
    public static final String HTTP1 = "Http1";
    public static final String HTTP2 = "Http2";
    public static final String AUTO = "Auto";
    /** MOSN's generic RPC protocol: the real one is {@code extend_config.sub_protocol}. */
    public static final String X = "X";

    /** Known to MOSN, not built yet: refused with a clear message rather than "unknown". */
    private static final Set<String> LATER = Set.of("dubbo_thrift", "http3");
    /** RPC protocols mosn4j ships as modules: named in a config while their jar is missing. */
    private static final Set<String> SHIPPED = Set.of("bolt", "boltv2", "dubbo", "tars");

    private Protocols() {}

    static String canonical(String name, String field) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("http1")) {
            return HTTP1;
        }
        if (lower.equals("http2")) {
            return HTTP2;
        }
        if (lower.equals("auto")) {
            return AUTO;
        }
        if (lower.equals("x")) {
            return X;
        }
        if (lower.equals("sofarpc")) {
            lower = "bolt"; // MOSN's name for bolt before XProtocol
        }
        if (XProtocols.get(lower) != null) {
            return lower;
        }
        if (SHIPPED.contains(lower)) {
            throw new ConfigException(field, "protocol \"" + name + "\" is not available: its module (mosn-protocol-*) is not on the class path");
        }
        if (LATER.contains(lower)) {
            throw new ConfigException(field, "protocol \"" + name + "\" is not supported yet (supported: " + supported() + ")");
        }
        throw new ConfigException(field, "unknown value \"" + name + "\" (expected " + supported() + ")");
    }

    /** The names a proxy accepts: HTTP, Auto, X and the RPC protocols on the class path. */
    static String supported() {
        StringBuilder b = new StringBuilder("Http1, Http2, Auto, X");
        for (XProtocol p : XProtocols.all()) {
            b.append(", ").append(p.name());
        }
        return b.toString();
    }

    /** Whether {@code canonical} names an RPC protocol (not HTTP, Auto or X). */
    public static boolean isRpc(String canonical) {
        return XProtocols.get(canonical) != null;
    }
}
