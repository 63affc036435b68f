package io.mosn4j.protocol.http2;

import io.mosn4j.api.stream.HeaderTokens;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.HttpRules;
import io.mosn4j.api.stream.ResetReason;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps HTTP/2 header blocks to the neutral {@link Headers} and back. Pseudo-headers map one to one
 * (the neutral form already uses HTTP/2's names). Going to HTTP/2, names are lower-cased and the
 * connection-specific headers RFC 9113 8.2.2 forbids are dropped ({@code te} survives only as
 * {@code trailers}); {@code host} becomes {@code :authority}. Coming from HTTP/2, split
 * {@code cookie} fields are joined again (RFC 9113 8.2.3) so an HTTP/1 upstream sees one line.
 */
public final class Http2HeaderMapping {

    private Http2HeaderMapping() {}

    /** An HTTP/2 request or response header block as neutral headers. */
    public static Headers fromHttp2(Http2Headers in, boolean request) {
        Headers h = new Headers(in.size() + 2);
        String cookie = null;
        String host = null;
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            String name = e.getKey().toString();
            String value = e.getValue().toString();
            if (name.startsWith(":")) {
                h.add(name, value);
                continue;
            }
            if (request && name.equalsIgnoreCase("host")) {
                host = value;
                continue;
            }
            if (name.equalsIgnoreCase("cookie")) {
                cookie = cookie == null ? value : cookie + "; " + value;
                continue;
            }
            if (isConnectionSpecific(name, value)) {
                continue; // a compliant peer never sends these; a lenient one must not smuggle them on
            }
            h.add(name, value);
        }
        if (request && host != null && !h.contains(Headers.AUTHORITY)) {
            h.add(Headers.AUTHORITY, host);
        }
        if (cookie != null) {
            h.add("cookie", cookie);
        }
        return h;
    }

    /** Trailers as neutral headers, without the fields RFC 9110 6.5.1 keeps out of trailers (pseudo-headers included). */
    public static Headers trailersFromHttp2(Http2Headers in) {
        Headers h = new Headers(in.size());
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            String name = e.getKey().toString();
            if (!HttpRules.isForbiddenTrailer(name)) {
                h.add(name, e.getValue().toString());
            }
        }
        return h;
    }

    /**
     * Why an HTTP/2 request header block is malformed (RFC 9113 8.3.1), or null. Netty's decoder has
     * already refused unknown, repeated and misplaced pseudo-headers and connection-specific fields;
     * this refuses what it lets through and an HTTP/1 upstream would read otherwise: a method that is
     * not an upper-case token, a {@code :path} that is not origin-form (an absolute URI naming another
     * host than {@code :authority} would bypass the virtual host routing chose), CONNECT with
     * {@code :path} or {@code :scheme} or without {@code :authority}, another request without
     * {@code :scheme}, an authority with spaces or path characters, a {@code host} field naming
     * another authority, and any field value with CR, LF or NUL.
     */
    public static String requestError(Http2Headers in) {
        CharSequence method = in.method();
        String bad = HttpRules.methodError(method);
        if (bad != null) {
            return bad;
        }
        CharSequence authority = in.authority();
        if (AsciiString.contentEquals("CONNECT", method)) {
            if (in.path() != null || in.scheme() != null) {
                return "CONNECT with :path or :scheme";
            }
            if (authority == null || authority.isEmpty()) {
                return "CONNECT without :authority";
            }
        } else {
            CharSequence scheme = in.scheme();
            if (scheme == null || scheme.isEmpty()) {
                return "missing :scheme";
            }
            bad = HttpRules.targetError(method, in.path());
            if (bad != null) {
                return ":path: " + bad;
            }
        }
        if (authority != null && (bad = HttpRules.authorityError(authority)) != null) {
            return ":authority: " + bad;
        }
        CharSequence host = in.get("host");
        if (host != null && authority != null && !AsciiString.contentEqualsIgnoreCase(host, authority)) {
            return "host field differs from :authority";
        }
        return valuesError(in);
    }

    /** Why a header block has a field value an HTTP/1 peer would read as more than one field (CR, LF, NUL), or null. */
    public static String valuesError(Http2Headers in) {
        for (Map.Entry<CharSequence, CharSequence> e : in) {
            if (!HttpRules.isValidFieldValue(e.getValue())) {
                return "field " + e.getKey() + " has CR, LF or NUL in its value";
            }
        }
        return null;
    }

    /** Neutral request headers as an HTTP/2 request block. */
    public static Http2Headers requestToHttp2(Headers h) {
        DefaultHttp2Headers out = new DefaultHttp2Headers(false, h.size() + 2);
        String method = h.method() == null ? "GET" : h.method();
        out.method(method);
        String authority = h.authority();
        if (authority == null) {
            authority = h.get("host");
        }
        if (!method.equals("CONNECT")) {
            String scheme = h.get(Headers.SCHEME);
            out.scheme(scheme == null || scheme.isEmpty() ? "http" : scheme);
            String path = h.path();
            out.path(path == null || path.isEmpty() ? "/" : path);
        }
        if (authority != null) {
            out.authority(authority);
        }
        copyRegular(h, out, true);
        return out;
    }

    /** Neutral response headers as an HTTP/2 response block (a missing or bad status becomes 502). */
    public static Http2Headers responseToHttp2(Headers h) {
        DefaultHttp2Headers out = new DefaultHttp2Headers(false, h.size() + 1);
        int status = h.status();
        out.status(Headers.statusText(status < 100 || status > 999 ? 502 : status));
        copyRegular(h, out, false);
        return out;
    }

    /** Neutral trailers as an HTTP/2 trailer block. */
    public static Http2Headers trailersToHttp2(Headers h) {
        DefaultHttp2Headers out = new DefaultHttp2Headers(false, h.size());
        copyRegular(h, out, false);
        return out;
    }

    private static void copyRegular(Headers h, Http2Headers out, boolean request) {
        String connection = h.get("connection");
        for (int i = 0, n = h.size(); i < n; i++) {
            String name = h.name(i);
            if (name.startsWith(":")) {
                continue;
            }
            String value = h.value(i);
            if (name.length() == 2 && name.equalsIgnoreCase("te")) {
                if (value.trim().equalsIgnoreCase("trailers")) {
                    out.add("te", "trailers");
                }
                continue;
            }
            if (isConnectionSpecific(name, value) || (name.length() == 4 && name.equalsIgnoreCase("host"))) {
                continue; // host travels as :authority
            }
            if (connection != null && HeaderTokens.listedIn(connection, name)) {
                continue;
            }
            out.add(lower(name), value);
        }
    }

    /** RFC 9113 8.2.2: fields that make an HTTP/2 message malformed (te is handled by the caller). */
    static boolean isConnectionSpecific(String name, String value) {
        return switch (name.length()) {
            case 2 -> name.equalsIgnoreCase("te") && !value.trim().equalsIgnoreCase("trailers");
            case 7 -> name.equalsIgnoreCase("upgrade");
            case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
            case 16 -> name.equalsIgnoreCase("proxy-connection");
            case 17 -> name.equalsIgnoreCase("transfer-encoding");
            default -> false;
        };
    }

    /**
     * The lower-case name, for a common field Netty's constant (its hash kept: the header map and the
     * HPACK encoder hash every name they take), found by the spellings peers send: an HTTP/1 server's
     * {@code Content-Type} is no new string per response.
     */
    private static CharSequence lower(String name) {
        AsciiString known = COMMON.get(name);
        if (known != null) {
            return known;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return name.toLowerCase(Locale.ROOT);
            }
        }
        return name;
    }

    private static final Map<String, AsciiString> COMMON = commonNames();

    private static Map<String, AsciiString> commonNames() {
        Map<String, AsciiString> names = new java.util.HashMap<>();
        for (String n : List.of("accept", "accept-encoding", "accept-language", "accept-ranges", "access-control-allow-origin",
                "age", "allow", "authorization", "cache-control", "content-disposition", "content-encoding", "content-language",
                "content-length", "content-location", "content-range", "content-type", "cookie", "date", "etag", "expires",
                "grpc-encoding", "grpc-message", "grpc-status", "if-modified-since", "if-none-match", "last-modified", "link",
                "location", "origin", "referer", "retry-after", "server", "set-cookie", "strict-transport-security", "user-agent",
                "vary", "via", "www-authenticate", "x-content-type-options", "x-forwarded-for", "x-forwarded-proto",
                "x-frame-options", "x-request-id")) {
            AsciiString lower = AsciiString.cached(n);
            names.put(n, lower);
            StringBuilder title = new StringBuilder(n.length()); // Content-Type
            for (int i = 0; i < n.length(); i++) {
                char c = n.charAt(i);
                title.append(i == 0 || n.charAt(i - 1) == '-' ? Character.toUpperCase(c) : c);
            }
            names.put(title.toString(), lower);
        }
        names.put("ETag", names.get("etag"));
        names.put("WWW-Authenticate", names.get("www-authenticate"));
        return Map.copyOf(names);
    }

    /** The RST_STREAM code that tells a peer why this side gave up on a stream. */
    public static Http2Error errorFor(ResetReason reason) {
        return switch (reason) {
            case LOCAL_RESET, TIMEOUT -> Http2Error.CANCEL;
            case PROTOCOL_ERROR -> Http2Error.PROTOCOL_ERROR;
            case OVERFLOW, REFUSED_STREAM -> Http2Error.REFUSED_STREAM;
            default -> Http2Error.INTERNAL_ERROR;
        };
    }
}
