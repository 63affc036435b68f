package io.mosn4j.router;

import java.util.Locale;

/**
 * Picks a request's virtual host from its authority ({@code host[:port]}) in MOSN's order:
 * <ol>
 *   <li>the exact host with the request's port ({@code www.foo.com:8080});
 *   <li>the exact host with any port ({@code www.foo.com}, {@code www.foo.com:*});
 *   <li>a wildcard host with the request's port ({@code *.foo.com:8080}, {@code *:8080}), the
 *       longest suffix first;
 *   <li>a wildcard host with any port ({@code *.foo.com}), the longest suffix first: {@code
 *       *-bar.foo.com} beats {@code *.foo.com};
 *   <li>{@code *}.
 * </ol>
 * Hosts compare ignoring ASCII case; a wildcard stands for at least one character. When a domain
 * is written twice, the first virtual host keeps it. Lookups allocate nothing: the authority is
 * read in place. Immutable once built.
 */
final class DomainIndex<V> {
    private final RegionMap<V> exactWithPort = new RegionMap<>();
    private final RegionMap<V> exactAnyPort = new RegionMap<>();
    /** Wildcards by the length of their suffix, longest first; keyed by suffix (with port: suffix:port). */
    private final SuffixIndex<V> wildcardsWithPort = new SuffixIndex<>();
    private final SuffixIndex<V> wildcardsAnyPort = new SuffixIndex<>();
    private V fallback;

    /** Adds {@code domain} (already checked by the config) for {@code value}. */
    void add(String domain, V value) {
        String d = domain.toLowerCase(Locale.ROOT);
        String host = d;
        String port = null;
        int colon = d.lastIndexOf(':');
        if (colon >= 0 && !d.endsWith("]") && (d.startsWith("[") || d.indexOf(':') == colon)) {
            host = d.substring(0, colon);
            port = d.substring(colon + 1);
            if (port.equals("*")) {
                port = null;
            }
        }
        if (host.equals("*")) {
            if (port == null) {
                if (fallback == null) {
                    fallback = value;
                }
            } else {
                wildcardsWithPort.add("", ":" + port, value);
            }
        } else if (host.startsWith("*")) {
            String suffix = host.substring(1);
            if (port == null) {
                wildcardsAnyPort.add(suffix, "", value);
            } else {
                wildcardsWithPort.add(suffix, ":" + port, value);
            }
        } else if (port == null) {
            exactAnyPort.putIfAbsent(host, value);
        } else {
            exactWithPort.putIfAbsent(host + ":" + port, value);
        }
    }

    void freeze() {
        wildcardsWithPort.freeze();
        wildcardsAnyPort.freeze();
    }

    /** The value for {@code authority}, or null. */
    V find(String authority) {
        if (authority == null || authority.isEmpty()) {
            return fallback;
        }
        int len = authority.length();
        int hostEnd = len;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0 && authority.charAt(len - 1) != ']' && (authority.charAt(0) == '[' || authority.indexOf(':') == colon)) {
            hostEnd = colon;
        }
        boolean hasPort = hostEnd < len;
        V v;
        if (hasPort && (v = exactWithPort.get(authority, 0, len)) != null) {
            return v;
        }
        if ((v = exactAnyPort.get(authority, 0, hostEnd)) != null) {
            return v;
        }
        if (hasPort && (v = wildcardsWithPort.find(authority, hostEnd, len)) != null) {
            return v;
        }
        if ((v = wildcardsAnyPort.find(authority, hostEnd, hostEnd)) != null) {
            return v;
        }
        return fallback;
    }

    /**
     * Wildcard suffixes grouped by length: a lookup tries each length present, longest first, with
     * one hash probe of the host's tail of that length, so its cost grows with the number of
     * distinct suffix lengths, not of wildcard domains. A wildcard needs at least one character
     * before its suffix.
     */
    static final class SuffixIndex<V> {
        private final java.util.TreeMap<Integer, RegionMap<V>> building = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());
        private int[] lengths = new int[0];
        private RegionMap<V>[] maps;

        /** {@code suffix} (lower case) with {@code tail} (":port", or "" for any port). */
        void add(String suffix, String tail, V value) {
            building.computeIfAbsent(suffix.length(), k -> new RegionMap<>()).putIfAbsent(suffix + tail, value);
        }

        @SuppressWarnings("unchecked")
        void freeze() {
            lengths = new int[building.size()];
            maps = new RegionMap[building.size()];
            int i = 0;
            for (var e : building.entrySet()) {
                lengths[i] = e.getKey();
                maps[i++] = e.getValue();
            }
        }

        /** The wildcard for the host ending at {@code hostEnd}, with what follows it up to {@code end} (the port), or null. */
        V find(String authority, int hostEnd, int end) {
            for (int i = 0; i < lengths.length; i++) {
                int n = lengths[i];
                if (hostEnd > n) {
                    V v = maps[i].get(authority, hostEnd - n, end);
                    if (v != null) {
                        return v;
                    }
                }
            }
            return null;
        }
    }

    /**
     * A string-keyed open-addressing map looked up by a region of a string, ignoring ASCII case
     * (keys are stored lower case), so a lookup needs no substring or lower-cased copy.
     */
    static final class RegionMap<V> {
        private String[] keys = new String[8];
        private Object[] values = new Object[8];
        private int size;

        void putIfAbsent(String lowerKey, V value) {
            if (get(lowerKey, 0, lowerKey.length()) != null) {
                return;
            }
            if ((size + 1) * 2 > keys.length) {
                grow();
            }
            insert(lowerKey, value);
            size++;
        }

        private void insert(String key, Object value) {
            int mask = keys.length - 1;
            int i = hash(key, 0, key.length()) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
        }

        private void grow() {
            String[] oldKeys = keys;
            Object[] oldValues = values;
            keys = new String[oldKeys.length * 2];
            values = new Object[oldKeys.length * 2];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != null) {
                    insert(oldKeys[i], oldValues[i]);
                }
            }
        }

        @SuppressWarnings("unchecked")
        V get(String s, int from, int to) {
            if (size == 0) {
                return null;
            }
            int mask = keys.length - 1;
            int n = to - from;
            for (int i = hash(s, from, to) & mask; keys[i] != null; i = (i + 1) & mask) {
                String k = keys[i];
                if (k.length() == n && s.regionMatches(true, from, k, 0, n)) {
                    return (V) values[i];
                }
            }
            return null;
        }

        private static int hash(String s, int from, int to) {
            int h = 0;
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (c >= 'A' && c <= 'Z') {
                    c += 'a' - 'A';
                }
                h = 31 * h + c;
            }
            return h ^ (h >>> 16);
        }
    }
}
