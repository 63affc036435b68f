package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
/** MOSN's port lists: {@code "80,443,8000-9000"}. */
public final class PortRanges {
    private final int[] low;
    private final int[] high;

    private PortRanges(int[] low, int[] high) {
        this.low = low;
        this.high = high;
    }

    /** Null or blank means "any port". */
    public static PortRanges parse(String spec, String field) {
        if (spec == null || spec.isBlank()) {
            return null;
        }
        String[] parts = spec.split(",");
        int[] lo = new int[parts.length];
        int[] hi = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            int dash = p.indexOf('-');
            try {
                lo[i] = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                hi[i] = dash < 0 ? lo[i] : Integer.parseInt(p.substring(dash + 1).trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(field, "invalid port list \"" + spec + "\" (expected e.g. \"80,8000-9000\")");
            }
            if (lo[i] < 0 || hi[i] > 65535 || lo[i] > hi[i]) {
                throw new ConfigException(field, "invalid port range \"" + p + "\"");
            }
        }
        return new PortRanges(lo, hi);
    }

    public boolean contains(int port) {
        for (int i = 0; i < low.length; i++) {
            if (port >= low[i] && port <= high[i]) {
                return true;
            }
        }
        return false;
    }
}
