package io.mosn4j.api.stream;

/**
 * The syntax rules both HTTP codecs check on what they receive, so that what reaches the proxy core
 * (and an upstream speaking the other HTTP version) is a request line and fields every HTTP/1 parser
 * reads the same way: a method is an RFC 9110 token, a target is origin-form (or {@code *} for
 * OPTIONS), a field value holds no CR, LF or NUL, and trailers carry none of the fields RFC 9110
 * 6.5.1 says cannot be processed after the content. Each check returns null when the input is
 * fine, or a short reason for a log line: a client's mistake is a value, not an exception.
 */
public final class HttpRules {
    private HttpRules() {}

    /** RFC 9110 5.6.2 tchar, by ASCII code. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    /** Whether {@code c} is an RFC 9110 5.6.2 tchar, the characters of methods, field names and tokens. */
    public static boolean isTchar(int c) {
        return c >= 0 && c < 128 && TCHAR[c];
    }

    /**
     * Why {@code method} is not a method the proxy forwards, or null. A method is an RFC 9110 token;
     * as nginx does, lower-case letters are refused too: methods are case-sensitive and every
     * registered one is upper-case, and a backend reading {@code get} as GET would act on a method
     * that routes and filters saw as another.
     */
    public static String methodError(CharSequence method) {
        if (method == null || method.isEmpty()) {
            return "missing method";
        }
        for (int i = 0, n = method.length(); i < n; i++) {
            char c = method.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return "method is not a token (character 0x" + Integer.toHexString(c) + ")";
            }
            if (c >= 'a' && c <= 'z') {
                return "method has lower-case letters";
            }
        }
        return null;
    }

    /**
     * Why {@code path} is not the target of a {@code method} request (other than CONNECT) the proxy
     * forwards, or null: origin-form ({@code /} then path and query), or {@code *} for OPTIONS; no
     * space, control character or DEL, which would split or end an HTTP/1 request line. An absolute
     * URI is refused: over HTTP/2 it may name another host than {@code :authority}, the one routing
     * used (HTTP/1's absolute form is turned into origin-form by its codec first, RFC 9112 3.2.2).
     */
    public static String targetError(CharSequence method, CharSequence path) {
        if (path == null || path.isEmpty()) {
            return "missing path";
        }
        if (path.length() == 1 && path.charAt(0) == '*') {
            return "OPTIONS".contentEquals(method) ? null : "target * is for OPTIONS only";
        }
        if (path.charAt(0) != '/') {
            return "target is not origin-form (does not start with /)";
        }
        for (int i = 1, n = path.length(); i < n; i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return "target has a space or control character (0x" + Integer.toHexString(c) + ")";
            }
        }
        return null;
    }

    /**
     * Why {@code authority} ({@code Host}, {@code :authority}) is not a host and port, or null: no
     * space, control character, DEL or {@code / ? # \}, which would make routing (on the host) and
     * the upstream (reading a URI) see different hosts. Empty is allowed (RFC 9112 3.2).
     */
    public static String authorityError(CharSequence authority) {
        for (int i = 0, n = authority.length(); i < n; i++) {
            char c = authority.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '/' || c == '?' || c == '#' || c == '\\') {
                return "not a host[:port] (character 0x" + Integer.toHexString(c) + ")";
            }
        }
        return null;
    }

    /** Whether a field value may be forwarded: no NUL, CR or LF (RFC 9110 5.5, RFC 9113 8.2.1). */
    public static boolean isValidFieldValue(CharSequence value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a trailer named {@code name} is dropped: RFC 9110 6.5.1 says fields for framing,
     * routing, authentication, request modifiers and content format cannot be processed outside the
     * header section, so a recipient that merged them into the headers would be fooled. The list is
     * Go's {@code net/http} one (MOSN's stack) plus cookies and pseudo-headers. Compared ignoring case,
     * by length first.
     */
    public static boolean isForbiddenTrailer(String name) {
        if (name.isEmpty() || name.charAt(0) == ':') {
            return true;
        }
        return switch (name.length()) {
            case 2 -> name.equalsIgnoreCase("te");
            case 4 -> name.equalsIgnoreCase("host");
            case 5 -> name.equalsIgnoreCase("range") || name.equalsIgnoreCase("realm");
            case 6 -> name.equalsIgnoreCase("expect") || name.equalsIgnoreCase("pragma") || name.equalsIgnoreCase("cookie");
            case 7 -> name.equalsIgnoreCase("trailer");
            case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive") || name.equalsIgnoreCase("set-cookie");
            case 12 -> name.equalsIgnoreCase("content-type") || name.equalsIgnoreCase("max-forwards");
            case 13 -> name.equalsIgnoreCase("authorization") || name.equalsIgnoreCase("cache-control")
                    || name.equalsIgnoreCase("content-range");
            case 14 -> name.equalsIgnoreCase("content-length");
            case 16 -> name.equalsIgnoreCase("content-encoding") || name.equalsIgnoreCase("proxy-connection")
                    || name.equalsIgnoreCase("www-authenticate");
            case 17 -> name.equalsIgnoreCase("transfer-encoding");
            case 18 -> name.equalsIgnoreCase("proxy-authenticate");
            case 19 -> name.equalsIgnoreCase("proxy-authorization");
            default -> false;
        };
    }
}
