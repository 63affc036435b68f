package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A route that answers with a redirect: the request's own URL with {@code path_redirect},
 * {@code host_redirect} and {@code scheme_redirect} replacing its parts (the query stays), with
 * {@code response_code} 301 (default), 302, 303, 307 or 308. As MOSN's.
 */
public record RedirectConfig(Integer responseCode, String pathRedirect, String hostRedirect, String schemeRedirect) {
    /** RFC 3986 3.1, as MOSN checks it. */
    private static final Pattern SCHEME = Pattern.compile("^[a-z][a-z0-9.+-]*$");

    public RedirectConfig {
        responseCode = responseCode == null || responseCode == 0 ? 301 : responseCode;
        switch (responseCode) {
            case 301, 302, 303, 307, 308 -> { }
            default -> throw new ConfigException("response_code", "must be 301, 302, 303, 307 or 308, got " + responseCode);
        }
        pathRedirect = empty(pathRedirect) ? null : pathRedirect;
        if (pathRedirect != null && !pathRedirect.startsWith("/")) {
            throw new ConfigException("path_redirect", "must start with /, got \"" + pathRedirect + "\"");
        }
        hostRedirect = empty(hostRedirect) ? null : hostRedirect;
        if (hostRedirect != null && (hostRedirect.contains("/") || hostRedirect.contains(" "))) {
            throw new ConfigException("host_redirect", "must be host or host:port, got \"" + hostRedirect + "\"");
        }
        schemeRedirect = empty(schemeRedirect) ? null : schemeRedirect.toLowerCase(Locale.ROOT);
        if (schemeRedirect != null && !SCHEME.matcher(schemeRedirect).matches()) {
            throw new ConfigException("scheme_redirect", "invalid scheme \"" + schemeRedirect + "\"");
        }
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
