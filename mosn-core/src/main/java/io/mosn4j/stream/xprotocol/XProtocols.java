package io.mosn4j.stream.xprotocol;

import io.mosn4j.api.protocol.XProtocol;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The RPC protocols on the class path ({@link ServiceLoader} of {@link XProtocol}), by name. Loaded
 * once; a jar dropped on the class path adds a protocol with no change here.
 */
public final class XProtocols {
    private static final Map<String, XProtocol> BY_NAME = load();

    private XProtocols() {}

    private static Map<String, XProtocol> load() {
        Map<String, XProtocol> m = new LinkedHashMap<>();
        for (XProtocol p : ServiceLoader.load(XProtocol.class, XProtocols.class.getClassLoader())) {
            XProtocol before = m.putIfAbsent(p.name().toLowerCase(Locale.ROOT), p);
            if (before != null) {
                throw new IllegalStateException("two XProtocol implementations named \"" + p.name() + "\": "
                        + before.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The protocol named {@code name} (any case), or null. */
    public static XProtocol get(String name) {
        return name == null ? null : BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    public static Collection<XProtocol> all() {
        return BY_NAME.values();
    }
}
