package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.HeaderTokens;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.HttpRules;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
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
     * field (refused: RFC 9112 3.2). {@code framing} is filled in the same pass.
     */
    static Headers fromRequest(HttpRequest req, Framing framing) {
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
        copyEndToEnd(in, h, true, framing);
        return framing.hosts > 1 ? null : h;
    }

    /**
     * Why a decoded request is refused with 400, or null: {@code mapped} is what
     * {@link #fromRequest} made of it. The method must be an upper-case token; an HTTP/1.1 request
     * must carry exactly one {@code Host} (RFC 9112 3.2), a valid host[:port]; the target must be
     * origin-form, {@code *} for OPTIONS, or absolute-form (whose authority then replaces Host).
     * CONNECT's authority-form target is left to routing: no route matches it unless one is written
     * for it, and tunnels are not supported. {@code framing} is what that mapping found.
     */
    static String requestError(String method, boolean http10, Headers mapped, Framing framing) {
        String bad = HttpRules.methodError(method);
        if (bad != null) {
            return bad;
        }
        if (mapped == null) {
            return "more than one Host field";
        }
        if (!http10 && framing.hosts == 0) {
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

    /** The neutral headers of a decoded response; {@code framing} is filled in the same pass. */
    static Headers fromResponse(HttpResponse resp, Framing framing) {
        HttpHeaders in = resp.headers();
        Headers h = new Headers(in.size() + 1);
        h.add(Headers.STATUS, Headers.statusText(resp.status().code()));
        copyEndToEnd(in, h, false, framing);
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

    /**
     * What the mapping of a message's fields learned about its framing, in the same pass: the
     * answers Netty's {@code HttpUtil} would give (each a lookup in Netty's header map) without
     * looking again. One per connection, refilled for each message it maps; a request head the
     * decoder read itself carries its own ({@link ParsedRequest}).
     */
    static class Framing {
        /** {@code Host} fields of a request (they travel as :authority). */
        int hosts;
        /** {@code Connection} lists {@code close}; lists {@code keep-alive}. */
        boolean close;
        boolean keepAliveListed;
        /** {@code Transfer-Encoding} lists {@code chunked}. */
        boolean chunked;
        /** The first {@code Content-Length} value (Netty's decoder has checked the field), or null. */
        String contentLength;
        /** An {@code Expect: 100-continue} field; an {@code Expect} field of another value. */
        boolean expectContinue;
        boolean expectOther;
        /** How many {@code Content-Length} fields; whether any {@code Transfer-Encoding} field came. */
        int contentLengths;
        boolean transferEncoding;
        /** The {@code Connection} fields' values, joined; null without any. */
        String connection;

        void clear() {
            hosts = 0;
            close = false;
            keepAliveListed = false;
            chunked = false;
            contentLength = null;
            expectContinue = false;
            expectOther = false;
            contentLengths = 0;
            transferEncoding = false;
            connection = null;
        }

        /**
         * Whether the connection stays open after the message ({@code HttpUtil.isKeepAlive}), for a
         * version that keeps connections open by default or not (HTTP/1.0).
         */
        boolean keepAlive(boolean byDefault) {
            return !close && (byDefault || keepAliveListed);
        }

        /** The body's length by {@code Content-Length}, or {@code absent} without one. */
        long contentLength(long absent) {
            return contentLength == null ? absent : Long.parseLong(contentLength);
        }
    }

    static final int OTHER = 0;
    static final int HOST = 1;
    private static final int EXPECT = 2;
    static final int CONTENT_LENGTH = 3;
    private static final int TRANSFER_ENCODING = 4;
    static final int CONNECTION = 5;
    /** From here on: hop-by-hop names with no framing meaning (RFC 9110 7.6.1). */
    private static final int TE = 6;
    private static final int UPGRADE = 7;
    private static final int KEEP_ALIVE = 8;
    private static final int PROXY_CONNECTION = 9;

    /** The lengths of the names {@link #kind} tells apart, as bits: 2, 4, 6, 7, 10, 14, 16 and 17. */
    private static final int KNOWN_LENGTHS = 1 << 2 | 1 << 4 | 1 << 6 | 1 << 7 | 1 << 10 | 1 << 14 | 1 << 16 | 1 << 17;

    /**
     * Which of the fields that concern the mapping {@code name} is, compared without lower-casing
     * and by length first: most names are of another length, told by one test of a bit.
     */
    private static int kind(String name) {
        int n = name.length();
        if (n > 17 || (KNOWN_LENGTHS & 1 << n) == 0) {
            return OTHER;
        }
        return switch (n) {
            case 2 -> HeaderTokens.equalsIgnoreCase(name, "te") ? TE : OTHER;
            case 4 -> HeaderTokens.equalsIgnoreCase(name, "host") ? HOST : OTHER;
            case 6 -> HeaderTokens.equalsIgnoreCase(name, "expect") ? EXPECT : OTHER;
            case 7 -> HeaderTokens.equalsIgnoreCase(name, "upgrade") ? UPGRADE : OTHER;
            case 10 -> HeaderTokens.equalsIgnoreCase(name, "connection") ? CONNECTION
                    : HeaderTokens.equalsIgnoreCase(name, "keep-alive") ? KEEP_ALIVE : OTHER;
            case 14 -> HeaderTokens.equalsIgnoreCase(name, "content-length") ? CONTENT_LENGTH : OTHER;
            case 16 -> HeaderTokens.equalsIgnoreCase(name, "proxy-connection") ? PROXY_CONNECTION : OTHER;
            case 17 -> HeaderTokens.equalsIgnoreCase(name, "transfer-encoding") ? TRANSFER_ENCODING : OTHER;
            default -> OTHER;
        };
    }

    /**
     * {@link #kind(String)} of the name {@code a[start, start + n)}: a field name the decoder
     * checked to be a token, compared ignoring ASCII case without making a string of it.
     */
    static int kind(byte[] a, int start, int n) {
        if (n > 17 || (KNOWN_LENGTHS & 1 << n) == 0) {
            return OTHER;
        }
        return switch (n) {
            case 2 -> is(a, start, TE_BYTES) ? TE : OTHER;
            case 4 -> is(a, start, HOST_BYTES) ? HOST : OTHER;
            case 6 -> is(a, start, EXPECT_BYTES) ? EXPECT : OTHER;
            case 7 -> is(a, start, UPGRADE_BYTES) ? UPGRADE : OTHER;
            case 10 -> is(a, start, CONNECTION_BYTES) ? CONNECTION : is(a, start, KEEP_ALIVE_BYTES) ? KEEP_ALIVE : OTHER;
            case 14 -> is(a, start, CONTENT_LENGTH_BYTES) ? CONTENT_LENGTH : OTHER;
            case 16 -> is(a, start, PROXY_CONNECTION_BYTES) ? PROXY_CONNECTION : OTHER;
            case 17 -> is(a, start, TRANSFER_ENCODING_BYTES) ? TRANSFER_ENCODING : OTHER;
            default -> OTHER;
        };
    }

    private static final byte[] TE_BYTES = ascii("te");
    private static final byte[] HOST_BYTES = ascii("host");
    private static final byte[] EXPECT_BYTES = ascii("expect");
    private static final byte[] UPGRADE_BYTES = ascii("upgrade");
    private static final byte[] CONNECTION_BYTES = ascii("connection");
    private static final byte[] KEEP_ALIVE_BYTES = ascii("keep-alive");
    private static final byte[] CLOSE_BYTES = ascii("close");
    private static final byte[] CONTENT_LENGTH_BYTES = ascii("content-length");
    private static final byte[] PROXY_CONNECTION_BYTES = ascii("proxy-connection");
    private static final byte[] TRANSFER_ENCODING_BYTES = ascii("transfer-encoding");

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Whether the token at {@code a[start]} is {@code lower} (lower-case letters and '-') in any
     * case; {@code a} has room for it.
     */
    private static boolean is(byte[] a, int start, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            // | 0x20 lower-cases a letter and leaves '-' as it is; no other tchar becomes either
            if ((a[start + i] | 0x20) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value {@code a[from, to)} of a {@code Connection} field as a string: the shared
     * {@code "keep-alive"} or {@code "close"} for those (nearly every one), which
     * {@link #readConnection} then tells by identity.
     */
    static String connectionValue(byte[] a, int from, int to) {
        int n = to - from;
        if (n == KEEP_ALIVE_BYTES.length && is(a, from, KEEP_ALIVE_BYTES)) {
            return KEEP_ALIVE_VALUE;
        }
        if (n == CLOSE_BYTES.length && is(a, from, CLOSE_BYTES)) {
            return CLOSE_VALUE;
        }
        return HeadReader.string(a, from, to);
    }

    private static final String KEEP_ALIVE_VALUE = "keep-alive";
    private static final String CLOSE_VALUE = "close";

    /**
     * Copies the end-to-end fields in one pass over Netty's entries (not its String views of them,
     * a wrapper per field: a decoded name is an AsciiString, shared and its String cached for common
     * ones; a value is a String), noting in {@code framing} what the hop-by-hop and framing fields
     * say. Fields a {@code Connection} field names are taken out afterwards: few messages have any.
     */
    private static void copyEndToEnd(HttpHeaders in, Headers out, boolean request, Framing framing) {
        framing.clear();
        int first = out.size();
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            addField(out, e.getKey().toString(), e.getValue().toString(), request, framing);
        }
        endFields(out, first, framing);
    }

    /**
     * One field of a message, in order: copied to {@code out} when it is end-to-end, noted in
     * {@code framing} when it is about framing. {@link #endFields} ends the pass.
     */
    static void addField(Headers out, String name, String value, boolean request, Framing framing) {
        if (note(kind(name), value, request, framing)) {
            out.add(name, value);
        }
    }

    /**
     * Notes in {@code framing} what a field of {@code kind} (one of {@link #kind}'s answers) and
     * {@code value} says about framing; whether the field travels on (is end-to-end).
     */
    static boolean note(int kind, String value, boolean request, Framing framing) {
        switch (kind) {
            case HOST -> {
                if (request) {
                    framing.hosts++;
                    return false;
                }
            }
            case EXPECT -> {
                if (HeaderTokens.equalsIgnoreCase(value, "100-continue")) {
                    framing.expectContinue = true;
                    if (request) {
                        return false; // answered by this proxy, as Envoy does
                    }
                } else {
                    framing.expectOther = true;
                }
            }
            case CONTENT_LENGTH -> {
                if (framing.contentLengths++ == 0) {
                    framing.contentLength = value;
                }
            }
            case TRANSFER_ENCODING -> {
                framing.transferEncoding = true;
                framing.chunked |= HeaderTokens.listedIn(value, "chunked");
                return false;
            }
            case CONNECTION -> {
                // a second Connection line may name more headers
                framing.connection = framing.connection == null ? value : framing.connection + "," + value;
                return false;
            }
            case TE, UPGRADE, KEEP_ALIVE, PROXY_CONNECTION -> {
                return false;
            }
            default -> { }
        }
        return true;
    }

    /**
     * Ends a pass of {@link #addField}: reads the {@code Connection} fields, and takes out of
     * {@code out} (from {@code first}, its first field) the fields they name; few messages name any.
     */
    static void endFields(Headers out, int first, Framing framing) {
        if (readConnection(framing)) {
            removeListed(out, first, framing.connection);
        }
    }

    /**
     * Reads the {@code Connection} fields a pass noted into {@code framing}: whether they name other
     * fields than {@code keep-alive} and {@code close}, which must not travel on.
     */
    static boolean readConnection(Framing framing) {
        String connection = framing.connection;
        if (connection == null) {
            return false;
        }
        if (connection == KEEP_ALIVE_VALUE || HeaderTokens.equalsIgnoreCase(connection, KEEP_ALIVE_VALUE)) { // nearly every one
            framing.keepAliveListed = true;
            return false;
        }
        if (connection == CLOSE_VALUE || HeaderTokens.equalsIgnoreCase(connection, CLOSE_VALUE)) {
            framing.close = true;
            return false;
        }
        framing.close = HeaderTokens.listedIn(connection, "close");
        framing.keepAliveListed = HeaderTokens.listedIn(connection, "keep-alive");
        return true;
    }

    /** Removes from {@code out}, at or after {@code first}, the fields {@code connection} names. */
    private static void removeListed(Headers out, int first, String connection) {
        int i = first;
        while (i < out.size()) {
            String name = out.name(i);
            if (HeaderTokens.listedIn(connection, name)) {
                out.remove(name); // this one and any later field of the name; none before it is listed
            } else {
                i++;
            }
        }
    }

    /**
     * RFC 9110 7.6.1 hop-by-hop headers; compared without lower-casing, by length first: most names
     * are of another length, told by one test of a bit before the switch.
     */
    static boolean isHopByHop(String name) {
        int k = kind(name);
        return k == CONNECTION || k == TRANSFER_ENCODING || k >= TE;
    }
}
