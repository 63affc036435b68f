package io.mosn4j.upstream;

import io.mosn4j.api.Providers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The cluster types on the class path, by {@code type} name or alias, matched exactly as MOSN does. */
public final class ClusterTypes {
    /** MOSN's and Envoy's types not built yet: refused as such rather than "unknown". */
    private static final List<String> LATER = List.of("EDS", "ORIGINAL_DST", "LOGICAL_DNS", "STATIC_DNS", "DYNAMIC");

    private final Map<String, ClusterType> byName = new LinkedHashMap<>();
    private final List<String> names = new ArrayList<>();

    public ClusterTypes(List<ClusterType> types) {
        for (ClusterType t : types) {
            names.add(t.name());
            List<String> keys = new ArrayList<>(t.aliases());
            keys.add(t.name());
            for (String k : keys) {
                ClusterType before = byName.putIfAbsent(k, t);
                if (before != null) {
                    throw new IllegalStateException("two cluster types named \"" + k + "\": " + before.getClass().getName()
                            + " and " + t.getClass().getName());
                }
            }
        }
    }

    public static ClusterTypes load(ClassLoader loader) {
        return new ClusterTypes(Providers.load(ClusterType.class, loader));
    }

    /** The type named {@code name} (or an alias of it), or null. */
    public ClusterType get(String name) {
        return name == null ? null : byName.get(name);
    }

    /** Whether {@code name} is a type MOSN or Envoy has that is not built yet. */
    public static boolean later(String name) {
        return name != null && LATER.contains(name);
    }

    /** "A, B or C", for messages. */
    public String names() {
        if (names.size() <= 1) {
            return String.join("", names);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }
}
