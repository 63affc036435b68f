package io.mosn4j.config;

import io.mosn4j.api.Providers;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Extensions of one kind by name, found once with {@link Providers} (as {@link java.util.ServiceLoader} finds them) and immutable afterwards.
 * Two extensions of one name refuse the start: which one would win must not depend on jar order.
 */
public final class Registry<T> {
    private final String kind;
    private final Map<String, T> byName;
    private final String names;
    private final boolean ignoreCase;

    public Registry(String kind, Collection<T> items, Function<T, String> name, boolean ignoreCase) {
        this.kind = kind;
        this.ignoreCase = ignoreCase;
        Map<String, T> m = new LinkedHashMap<>();
        for (T item : items) {
            T before = m.putIfAbsent(key(name.apply(item)), item);
            if (before != null) {
                throw new IllegalStateException("two " + kind + "s named \"" + name.apply(item) + "\": "
                        + before.getClass().getName() + " and " + item.getClass().getName());
            }
        }
        this.byName = Collections.unmodifiableMap(m);
        this.names = String.join(", ", m.values().stream().map(name).toList());
    }

    /** Every {@code type} registered for {@link java.util.ServiceLoader} in {@code loader}. */
    public static <T> Registry<T> load(String kind, Class<T> type, ClassLoader loader, Function<T, String> name, boolean ignoreCase) {
        return new Registry<>(kind, Providers.load(type, loader), name, ignoreCase);
    }

    private String key(String name) {
        return ignoreCase ? name.toLowerCase(Locale.ROOT) : name;
    }

    /** The extension named {@code name}, or null. */
    public T get(String name) {
        return name == null ? null : byName.get(key(name));
    }

    public Collection<T> all() {
        return byName.values();
    }

    /** The names, comma-separated, for "expected one of" messages. */
    public String names() {
        return names;
    }

    public String kind() {
        return kind;
    }
}
