package io.mosn4j.stream.http1;

import io.mosn4j.api.stream.Headers;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;
import java.util.Map;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * Maps HTTP/1 messages to the neutral {@link Headers} and back. Hop-by-hop headers (RFC 9110
 * 7.6.1, and any listed in {@code Connection}) stop here: each codec writes its own framing.
 */
final class Http1Headers {
    /** Outgoing headers were validated when decoded (or are our own): skip validating them again. */
    private static final HttpHeadersFactory TRUSTED = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private Http1Headers() {}

    static Headers fromRequest(HttpRequest req) {
        HttpHeaders in = req.headers();
        Headers h = new Headers(in.size() + 4);
        h.add(Headers.METHOD, req.method().name());
        h.add(Headers.PATH, req.uri());
        String host = in.get(HttpHeaderNames.HOST);
        if (host != null) {
            h.add(Headers.AUTHORITY, host);
        }
        h.add(Headers.SCHEME, "http");
        copyEndToEnd(in, h, true);
        return h;
    }

    static Headers fromResponse(HttpResponse resp) {
        HttpHeaders in = resp.headers();
        Headers h = new Headers(in.size() + 1);
        h.add(Headers.STATUS, Integer.toString(resp.status().code()));
        copyEndToEnd(in, h, false);
        return h;
    }

    static Headers fromTrailers(HttpHeaders trailers) {
        Headers h = new Headers(trailers.size());
        for (Iterator<Map.Entry<String, String>> it = trailers.iteratorAsString(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            h.add(e.getKey(), e.getValue());
        }
        return h;
    }

    static HttpRequest toRequest(Headers h) {
        String method = h.method();
        String path = h.path();
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1,
                HttpMethod.valueOf(method == null ? "GET" : method), path == null || path.isEmpty() ? "/" : path, TRUSTED);
        HttpHeaders out = req.headers();
        String authority = h.authority();
        if (authority != null) {
            out.add(HttpHeaderNames.HOST, authority);
        }
        copyRegular(h, out);
        return req;
    }

    static HttpResponse toResponse(Headers h) {
        int status = h.status();
        DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status < 0 ? 502 : status), TRUSTED);
        copyRegular(h, resp.headers());
        return resp;
    }

    static void copyRegular(Headers from, HttpHeaders to) {
        for (int i = 0, n = from.size(); i < n; i++) {
            String name = from.name(i);
            if (!name.startsWith(":") && !isHopByHop(name)) {
                to.add(name, from.value(i));
            }
        }
    }

    private static void copyEndToEnd(HttpHeaders in, Headers out, boolean request) {
        String connection = in.get(HttpHeaderNames.CONNECTION);
        if (!namesHeaders(connection)) {
            connection = null;
        }
        for (Iterator<Map.Entry<String, String>> it = in.iteratorAsString(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            String name = e.getKey();
            if (isHopByHop(name) || (request && name.equalsIgnoreCase("host"))) {
                continue;
            }
            if (request && name.equalsIgnoreCase("expect") && e.getValue().equalsIgnoreCase("100-continue")) {
                continue; // answered by this proxy (HttpServerExpectContinueHandler), as Envoy does
            }
            if (connection != null && listedIn(connection, name)) {
                continue;
            }
            out.add(name, e.getValue());
        }
    }

    /** RFC 9110 7.6.1 hop-by-hop headers; compared without lower-casing, by length first. */
    static boolean isHopByHop(String name) {
        return switch (name.length()) {
            case 2 -> name.equalsIgnoreCase("te");
            case 7 -> name.equalsIgnoreCase("upgrade");
            case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
            case 16 -> name.equalsIgnoreCase("proxy-connection");
            case 17 -> name.equalsIgnoreCase("transfer-encoding");
            default -> false;
        };
    }

    /** Whether a Connection header names other headers than the usual keep-alive/close. */
    private static boolean namesHeaders(String connection) {
        return connection != null && !connection.equalsIgnoreCase("keep-alive") && !connection.equalsIgnoreCase("close");
    }

    private static boolean listedIn(String connection, String name) {
        int start = 0;
        while (start < connection.length()) {
            int comma = connection.indexOf(',', start);
            int end = comma < 0 ? connection.length() : comma;
            if (connection.substring(start, end).trim().equalsIgnoreCase(name)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

}
