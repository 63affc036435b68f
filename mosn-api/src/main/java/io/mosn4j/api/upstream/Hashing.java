package io.mosn4j.api.upstream;

import java.nio.charset.StandardCharsets;

/**
 * 64-bit hashes for consistent hashing: host addresses on a ring or table, request keys
 * ({@link LoadBalancerContext#hashKey()}). Deterministic across processes and versions.
 */
public final class Hashing {
    private Hashing() {}

    /** A well-mixed 64-bit hash of {@code s} with {@code seed} (FNV-1a over UTF-8, then SplitMix64's finalizer). */
    public static long hash(String s, long seed) {
        long h = 0xcbf29ce484222325L ^ mix(seed);
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    public static long hash(String s) {
        return hash(s, 0);
    }

    /** A hash of raw bytes (an IP address). */
    public static long hash(byte[] b) {
        long h = 0xcbf29ce484222325L;
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer: every input bit affects every output bit. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
