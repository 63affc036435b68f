package io.mosn4j.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
    private final List<Wildcard<V>> wildcardsWithPort = new ArrayList<>();
    private final List<Wildcard<V>> wildcardsAnyPort = new ArrayList<>();
    private Wildcard<V>[] withPort;
    private Wildcard<V>[] anyPort;
    private V fallback;

    private record Wildcard<V>(String suffix, String port, V value) {}

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
                addWildcard(wildcardsWithPort, "", port, value);
            }
        } else if (host.startsWith("*")) {
            addWildcard(port == null ? wildcardsAnyPort : wildcardsWithPort, host.substring(1), port, value);
        } else if (port == null) {
            exactAnyPort.putIfAbsent(host, value);
        } else {
            exactWithPort.putIfAbsent(host + ":" + port, value);
        }
    }

    private static <V> void addWildcard(List<Wildcard<V>> list, String suffix, String port, V value) {
        for (Wildcard<V> w : list) {
            if (w.suffix.equals(suffix) && java.util.Objects.equals(w.port, port)) {
                return;
            }
        }
        list.add(new Wildcard<>(suffix, port, value));
    }

    @SuppressWarnings("unchecked")
    void freeze() {
        Comparator<Wildcard<V>> longestFirst = Comparator.comparingInt((Wildcard<V> w) -> w.suffix.length()).reversed();
        wildcardsWithPort.sort(longestFirst); // stable: the first written wins among equals
        wildcardsAnyPort.sort(longestFirst);
        withPort = wildcardsWithPort.toArray(Wildcard[]::new);
        anyPort = wildcardsAnyPort.toArray(Wildcard[]::new);
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
        if (hasPort) {
            for (Wildcard<V> w : withPort) {
                if (len - hostEnd - 1 == w.port.length() && authority.regionMatches(hostEnd + 1, w.port, 0, w.port.length())
                        && suffixMatches(authority, hostEnd, w.suffix)) {
                    return w.value;
                }
            }
        }
        for (Wildcard<V> w : anyPort) {
            if (suffixMatches(authority, hostEnd, w.suffix)) {
                return w.value;
            }
        }
        return fallback;
    }

    private static boolean suffixMatches(String authority, int hostEnd, String suffix) {
        int n = suffix.length();
        return hostEnd > n && authority.regionMatches(true, hostEnd - n, suffix, 0, n);
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
