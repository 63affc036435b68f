package io.mosn4j.filter.ipaccess;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.CidrRange;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code ip_access} filter's config (MOSN's):
 * {@code {"default_action": "allow"|"deny", "header": "x-forwarded-for", "ips": [{"action": "allow"|"deny", "addrs": [...]}]}}.
 *
 * <p>MOSN reads any action other than {@code "deny"} as allow; here an action must be one of the
 * two, so a misspelt {@code "dney"} refuses the config instead of letting everyone in.
 *
 * @param defaultAllow what happens when no entry of {@code ips} holds the address
 * @param header the request header naming the client (first comma-separated item), or null
 * @param entries the {@code ips} entries, in order
 */
record IpAccessConfig(boolean defaultAllow, String header, List<Entry> entries) {

    /** One {@code ips} entry: whether it allows, and the ranges it holds. */
    record Entry(boolean allow, List<CidrRange> ranges) {
        boolean contains(InetAddress a) {
            for (int i = 0; i < ranges.size(); i++) {
                if (ranges.get(i).contains(a)) {
                    return true;
                }
            }
            return false;
        }
    }

    IpAccessConfig {
        entries = List.copyOf(entries);
    }

    /**
     * Parses {@code c}; a missing config allows everyone. A key it does not know is refused: it may be a misspelt rule, and skipping it could let in
     * whom the rule keeps out.
     *
     * @throws io.mosn4j.api.config.ConfigException naming the bad field's path
     */
    static IpAccessConfig parse(ConfigValue c) {
        if (c.isMissing()) {
            return new IpAccessConfig(true, null, List.of());
        }
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"default_action\", \"header\", \"ips\"}");
        }
        refuseUnknownKeys(c, "default_action", "header", "ips");
        ConfigValue d = c.get("default_action");
        boolean defaultAllow = d.isMissing() || allow(d);
        String header = c.get("header").as(String.class);
        header = header == null || header.isBlank() ? null : header.trim();
        ConfigValue ips = c.get("ips");
        List<Entry> entries = new ArrayList<>();
        if (!ips.isMissing()) {
            if (!ips.isArray()) {
                throw ips.error("", "must be an array of {\"action\", \"addrs\"}");
            }
            for (ConfigValue e : ips.elements()) {
                entries.add(entry(e));
            }
        }
        return new IpAccessConfig(defaultAllow, header, entries);
    }

    private static Entry entry(ConfigValue e) {
        if (!e.isObject()) {
            throw e.error("", "must be an object {\"action\", \"addrs\"}");
        }
        refuseUnknownKeys(e, "action", "addrs");
        ConfigValue action = e.get("action");
        if (action.isMissing()) {
            throw e.error("action", "required: \"allow\" or \"deny\"");
        }
        boolean allow = allow(action);
        ConfigValue addrs = e.get("addrs");
        if (!addrs.isArray() || addrs.elements().isEmpty()) {
            throw e.error("addrs", "required: a non-empty array of addresses or CIDR ranges");
        }
        List<CidrRange> ranges = new ArrayList<>();
        for (ConfigValue a : addrs.elements()) {
            ranges.add(CidrRange.parse(a.as(String.class), a.path()));
        }
        return new Entry(allow, ranges);
    }

    private static boolean allow(ConfigValue action) {
        String a = action.as(String.class);
        return switch (a == null ? "" : a.trim().toLowerCase(Locale.ROOT)) {
            case "allow" -> true;
            case "deny" -> false;
            default -> throw action.error("", "must be \"allow\" or \"deny\", got \"" + a + "\"");
        };
    }

    private static void refuseUnknownKeys(ConfigValue c, String... known) {
        for (String key : c.keys()) {
            boolean found = false;
            for (String k : known) {
                found |= k.equalsIgnoreCase(key);
            }
            if (!found) {
                throw c.error(key, "not a key of the ip_access stream filter (expected " + String.join(", ", known) + ")");
            }
        }
    }

    /**
     * Whether {@code client} may pass: the first entry holding it decides, else the default. An
     * unknown address (null) is held by no entry.
     */
    boolean allows(InetAddress client) {
        if (client != null) {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (e.contains(client)) {
                    return e.allow;
                }
            }
        }
        return defaultAllow;
    }
}
