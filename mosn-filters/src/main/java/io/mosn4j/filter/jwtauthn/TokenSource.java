package io.mosn4j.filter.jwtauthn;

import io.mosn4j.api.stream.Headers;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where a provider looks for its token: a header (after a prefix such as {@code "Bearer "}), or a
 * query parameter. With neither {@code fromHeaders} nor {@code fromParams} configured, Envoy's
 * defaults: {@code Authorization: Bearer <token>} and {@code ?access_token=<token>}.
 *
 * @param header the header's name, or null for a query parameter
 * @param prefix what precedes the token in the header's value ("" for nothing)
 * @param param the query parameter's name, or null for a header
 */
record TokenSource(String header, String prefix, String param) {

    static TokenSource header(String name, String prefix) {
        return new TokenSource(name, prefix == null ? "" : prefix, null);
    }

    static TokenSource param(String name) {
        return new TokenSource(null, "", name);
    }

    /** The token this source finds in the request, or null. {@code query} is the path's query string, or null. */
    FoundToken find(Headers headers, String query) {
        if (header != null) {
            String v = headers.get(header);
            if (v == null || v.length() < prefix.length() || !v.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return null;
            }
            String token = v.substring(prefix.length()).trim();
            return token.isEmpty() ? null : new FoundToken(token, header);
        }
        String token = queryParam(query, param);
        return token == null || token.isEmpty() ? null : new FoundToken(token, null);
    }

    /** The first value of {@code name} in {@code query} (percent-decoded), or null. */
    static String queryParam(String query, String name) {
        if (query == null) {
            return null;
        }
        int start = 0;
        while (start <= query.length()) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? query.length() : amp;
            int eq = query.indexOf('=', start);
            if (eq > 0 && eq < end && query.regionMatches(start, name, 0, name.length()) && eq - start == name.length()) {
                try {
                    return URLDecoder.decode(query.substring(eq + 1, end), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        return null;
    }
}
