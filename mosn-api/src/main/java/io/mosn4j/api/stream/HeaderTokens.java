package io.mosn4j.api.stream;

import io.netty.util.AsciiString;

/**
 * Header names and tokens compared as HTTP compares them, and comma-separated header values
 * ({@code Connection: close, x-foo}) read without splitting into arrays.
 */
public final class HeaderTokens {
    private HeaderTokens() {}

    /**
     * Whether {@code a} and {@code b} are the same ignoring the case of ASCII letters, as HTTP
     * compares field names and tokens (RFC 9110 5.1): {@code Content-Length} is
     * {@code content-length}. {@link String#equalsIgnoreCase} also folds letters beyond ASCII
     * ({@code \u212A}, the Kelvin sign, equals {@code k}), which no field name holds, and looks each
     * pair that differs up in the JDK's case tables; Netty's ASCII comparison folds A-Z only. For
     * HTTP's names and tokens only: {@link Headers} keeps {@code String.equalsIgnoreCase} for every
     * protocol's names (an RPC header map's keys are any text, and its lookups before decoding answer
     * as the decoded block does).
     */
    public static boolean equalsIgnoreCase(String a, String b) {
        return AsciiString.contentEqualsIgnoreCase(a, b);
    }

    /**
     * Whether {@code token} is one of the comma-separated items of {@code list}, ignoring case and
     * the whitespace around each item (as Netty's {@code HttpHeaders.containsValue} reads them).
     * No substring is made: a keep-alive request asks this of its {@code Connection} field.
     */
    public static boolean listedIn(String list, String token) {
        int start = 0;
        int n = list.length();
        while (start <= n) {
            int comma = list.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int from = start;
            int to = end;
            while (from < to && list.charAt(from) <= ' ') {
                from++;
            }
            while (to > from && list.charAt(to - 1) <= ' ') {
                to--;
            }
            if (to - from == token.length() && AsciiString.regionMatchesAscii(list, true, from, token, 0, to - from)) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            start = end + 1;
        }
        return false;
    }
}
