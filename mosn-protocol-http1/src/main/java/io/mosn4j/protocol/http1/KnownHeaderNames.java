package io.mosn4j.protocol.http1;

import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;

/**
 * Header names nearly every request or response carries, each spelling (as written, and in lower
 * case) one shared {@link AsciiString}. Netty's decoders make a new name, with its own copy of the
 * bytes, for every header of every message, and mosn4j then makes a {@code String} of it: two
 * objects and two arrays per header (the request decoder knows five names, the response decoder
 * none). A shared name caches its {@code String} too. Names are matched byte for byte, so a header
 * keeps the case it arrived in; any other spelling is decoded as before.
 */
final class KnownHeaderNames {
    private static final String[] NAMES = {
        // requests
        "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cookie",
        "Referer", "Origin", "If-None-Match", "If-Modified-Since", "Range", "Expect", "TE", "Upgrade",
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP", "X-Request-Id",
        "traceparent", "tracestate", "X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled",
        // responses
        "Date", "Server", "Content-Encoding", "Cache-Control", "Last-Modified", "ETag", "Etag", "Expires",
        "Accept-Ranges", "Vary", "Location", "Set-Cookie", "Pragma", "Age", "Via", "WWW-Authenticate",
        "Access-Control-Allow-Origin", "X-Content-Type-Options", "Strict-Transport-Security",
        // both
        "Content-Length", "Content-Type", "Connection", "Keep-Alive", "Transfer-Encoding", "Trailer",
    };

    /** Candidates by length; each bucket's names share that length. */
    private static final AsciiString[][] BY_LENGTH;
    /** Every shared name, by identity: {@link #isShared} is a lookup, not a comparison. */
    private static final IdentityHashMap<AsciiString, Boolean> SHARED = new IdentityHashMap<>();

    static {
        List<List<AsciiString>> buckets = new ArrayList<>();
        for (String name : NAMES) {
            for (String spelling : new String[] {name, name.toLowerCase(Locale.ROOT)}) {
                while (buckets.size() <= spelling.length()) {
                    buckets.add(new ArrayList<>());
                }
                List<AsciiString> bucket = buckets.get(spelling.length());
                if (bucket.stream().noneMatch(a -> a.toString().equals(spelling))) {
                    bucket.add(AsciiString.cached(spelling));
                }
            }
        }
        BY_LENGTH = new AsciiString[buckets.size()][];
        for (int i = 0; i < BY_LENGTH.length; i++) {
            BY_LENGTH[i] = buckets.get(i).toArray(AsciiString[]::new);
            for (AsciiString name : BY_LENGTH[i]) {
                SHARED.put(name, Boolean.TRUE);
            }
        }
    }

    private KnownHeaderNames() {}

    /** The shared name spelled exactly as {@code bytes[start, start + length)}, or null. */
    static AsciiString find(byte[] bytes, int start, int length) {
        if (length <= 0 || length >= BY_LENGTH.length) {
            return null;
        }
        byte first = bytes[start];
        byte last = bytes[start + length - 1];
        for (AsciiString name : BY_LENGTH[length]) {
            byte[] a = name.array(); // a known name's array is its own: offset 0, whole
            // most candidates differ in the first or last letter (case included): no compare call
            if (a[0] == first && a[length - 1] == last && Arrays.equals(a, 0, length, bytes, start, start + length)) {
                return name;
            }
        }
        return null;
    }

    /** Whether {@code name} is one of the shared names itself (a valid token, as written here). */
    static boolean isShared(CharSequence name) {
        return SHARED.containsKey(name);
    }
}
