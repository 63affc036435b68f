package io.mosn4j.router;

import io.mosn4j.api.router.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The route tables of the running proxy, by {@code router_config_name} (MOSN's routers manager).
 * Each name is a slot a {@code proxy} filter holds on to; replacing a table swaps the slot's
 * reference atomically, so the next request on any connection, kept-alive ones included, sees the
 * new table while requests in flight finish with the one they matched.
 */
public final class RouterManager {
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    /** The slot named {@code name}, made empty on first use (its table may arrive later). */
    public Slot slot(String name) {
        return slots.computeIfAbsent(name, Slot::new);
    }

    /** Adds or replaces the table of its name. */
    public void update(RouteTable table) {
        slot(table.name()).table = table;
    }

    /**
     * Removes the table of {@code name}: requests of proxies that name it find no route (404), as
     * for a name never defined. False when there was none.
     */
    public boolean remove(String name) {
        Slot s = slots.get(name);
        if (s == null || s.table == null) {
            return false;
        }
        s.table = null;
        return true;
    }

    public RouteTable get(String name) {
        Slot s = slots.get(name);
        return s == null ? null : s.table;
    }

    /** The tables present now, in no particular order. */
    public List<RouteTable> tables() {
        List<RouteTable> out = new ArrayList<>();
        for (Slot s : slots.values()) {
            RouteTable t = s.table;
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    /** One name's current table. */
    public static final class Slot implements Supplier<Router> {
        private final String name;
        private volatile RouteTable table;

        private Slot(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        @Override
        public RouteTable get() {
            return table;
        }
    }
}
