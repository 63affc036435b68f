package io.mosn4j.config;

import java.util.Locale;
import java.util.Set;

/** The protocol names the {@code proxy} filter accepts, as MOSN spells them. */
public final class Protocols {
    public static final String HTTP1 = "Http1";
    public static final String HTTP2 = "Http2";
    public static final String AUTO = "Auto";

    /** Known to MOSN, not built yet: refused with a clear message rather than "unknown". */
    private static final Set<String> LATER = Set.of("x", "bolt", "boltv2", "dubbo", "dubbo_thrift", "tars", "sofarpc");

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
        if (LATER.contains(lower)) {
            throw new ConfigException(field, "protocol \"" + name + "\" is not supported yet (supported: Http1, Http2, Auto)");
        }
        throw new ConfigException(field, "unknown value \"" + name + "\" (expected Http1, Http2, Auto, X or an RPC protocol name)");
    }
}
