package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.HeaderTokens;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.HttpRules;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;
import java.util.Map;

/**
 * Maps decoded HTTP/1 messages to the neutral {@link Headers} ({@link Http1Wire} writes them back). Hop-by-hop headers (RFC 9110
 * 7.6.1, and any listed in {@code Connection}) stop here: each codec writes its own framing.
 */
final class Http1Headers {

    private Http1Headers() {}

    /**
     * The neutral headers of a decoded request, or null when it has more than one {@code Host}
     * field (refused: RFC 9112 3.2).
     */
    static Headers fromRequest(HttpRequest req) {
        HttpHeaders in = req.headers();
        Headers h = new Headers(in.size() + 4);
        h.add(Headers.METHOD, req.method().name());
        String uri = req.uri();
        String host = in.get(HttpHeaderNames.HOST);
        int scheme = absoluteFormStart(uri);
        if (scheme > 0) {
            // absolute form (clients using the proxy as http_proxy): route on its path; its
            // authority replaces Host (RFC 9112 3.2.2)
            int slash = uri.indexOf('/', scheme);
            int query = uri.indexOf('?', scheme);
            int end = slash < 0 ? (query < 0 ? uri.length() : query) : (query < 0 ? slash : Math.min(slash, query));
            host = uri.substring(scheme, end);
            uri = end == uri.length() ? "/" : uri.charAt(end) == '?' ? "/" + uri.substring(end) : uri.substring(end);
        }
        h.add(Headers.PATH, uri);
        if (host != null) {
            h.add(Headers.AUTHORITY, host);
        }
        h.add(Headers.SCHEME, "http");
        return copyEndToEnd(in, h, true) > 1 ? null : h;
    }

    /**
     * Why a decoded request is refused with 400, or null: {@code mapped} is what
     * {@link #fromRequest} made of it. The method must be an upper-case token; an HTTP/1.1 request
     * must carry exactly one {@code Host} (RFC 9112 3.2), a valid host[:port]; the target must be
     * origin-form, {@code *} for OPTIONS, or absolute-form (whose authority then replaces Host).
     * CONNECT's authority-form target is left to routing: no route matches it unless one is written
     * for it, and tunnels are not supported.
     */
    static String requestError(HttpRequest req, Headers mapped) {
        String method = req.method().name();
        String bad = HttpRules.methodError(method);
        if (bad != null) {
            return bad;
        }
        if (mapped == null) {
            return "more than one Host field";
        }
        if (!req.protocolVersion().equals(HttpVersion.HTTP_1_0) && !req.headers().contains(HttpHeaderNames.HOST)) {
            return "HTTP/1.1 request without Host"; // even in absolute form
        }
        String authority = mapped.authority();
        if (authority != null && (bad = HttpRules.authorityError(authority)) != null) {
            return "Host: " + bad;
        }
        if (method.equals("CONNECT")) {
            return null;
        }
        bad = HttpRules.targetError(method, mapped.path());
        return bad == null ? null : "request target: " + bad;
    }

    /** Where the authority starts in an absolute-form target ("http://host/..."), or -1. */
    private static int absoluteFormStart(String uri) {
        if (uri.isEmpty() || uri.charAt(0) == '/') {
            return -1;
        }
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        return uri.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
    }

    static Headers fromResponse(HttpResponse resp) {
        HttpHeaders in = resp.headers();
        Headers h = new Headers(in.size() + 1);
        h.add(Headers.STATUS, Headers.statusText(resp.status().code()));
        copyEndToEnd(in, h, false);
        return h;
    }

    /** Trailers as neutral headers, without the fields RFC 9110 6.5.1 keeps out of trailers. */
    static Headers fromTrailers(HttpHeaders trailers) {
        Headers h = new Headers(trailers.size());
        for (Iterator<Map.Entry<String, String>> it = trailers.iteratorAsString(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            if (!HttpRules.isForbiddenTrailer(e.getKey())) {
                h.add(e.getKey(), e.getValue());
            }
        }
        return h;
    }

    /** Copies the end-to-end fields; returns how many Host fields a request had (they travel as :authority). */
    private static int copyEndToEnd(HttpHeaders in, Headers out, boolean request) {
        String connection = in.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            java.util.List<String> lines = in.getAll(HttpHeaderNames.CONNECTION);
            if (lines.size() > 1) {
                connection = String.join(",", lines); // a second Connection line may name more headers
            }
        }
        if (!namesHeaders(connection)) {
            connection = null;
        }
        int hosts = 0;
        // Netty's own entries, not its String views of them (a wrapper per field): a decoded name
        // is an AsciiString, shared and its String cached for common ones; a value is a String
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            String name = e.getKey().toString();
            String value = e.getValue().toString();
            if (request && name.length() == 4 && HeaderTokens.equalsIgnoreCase(name, "host")) {
                hosts++;
                continue;
            }
            if (isHopByHop(name)) {
                continue;
            }
            if (request && HeaderTokens.equalsIgnoreCase(name, "expect") && HeaderTokens.equalsIgnoreCase(value, "100-continue")) {
                continue; // answered by this proxy (HttpServerExpectContinueHandler), as Envoy does
            }
            if (connection != null && HeaderTokens.listedIn(connection, name)) {
                continue;
            }
            out.add(name, value);
        }
        return hosts;
    }

    /** The lengths of the hop-by-hop names, as bits: 2, 7, 10, 16 and 17. */
    private static final int HOP_LENGTHS = 1 << 2 | 1 << 7 | 1 << 10 | 1 << 16 | 1 << 17;

    /**
     * RFC 9110 7.6.1 hop-by-hop headers; compared without lower-casing, by length first: most names
     * are of another length, told by one test of a bit before the switch.
     */
    static boolean isHopByHop(String name) {
        int n = name.length();
        if (n > 17 || (HOP_LENGTHS & 1 << n) == 0) {
            return false;
        }
        return switch (n) {
            case 2 -> HeaderTokens.equalsIgnoreCase(name, "te");
            case 7 -> HeaderTokens.equalsIgnoreCase(name, "upgrade");
            case 10 -> HeaderTokens.equalsIgnoreCase(name, "connection") || HeaderTokens.equalsIgnoreCase(name, "keep-alive");
            case 16 -> HeaderTokens.equalsIgnoreCase(name, "proxy-connection");
            case 17 -> HeaderTokens.equalsIgnoreCase(name, "transfer-encoding");
            default -> false;
        };
    }

    /** Whether a Connection header names other headers than the usual keep-alive/close. */
    private static boolean namesHeaders(String connection) {
        return connection != null && !HeaderTokens.equalsIgnoreCase(connection, "keep-alive") && !HeaderTokens.equalsIgnoreCase(connection, "close");
    }

}
