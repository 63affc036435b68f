package io.mosn4j.api.stream;

/** Comma-separated header values ({@code Connection: close, x-foo}) read without splitting into arrays. */
public final class HeaderTokens {
    private HeaderTokens() {}

    /** Whether {@code token} is one of the comma-separated items of {@code list}, ignoring case. */
    public static boolean listedIn(String list, String token) {
        int start = 0;
        while (start < list.length()) {
            int comma = list.indexOf(',', start);
            int end = comma < 0 ? list.length() : comma;
            if (list.substring(start, end).trim().equalsIgnoreCase(token)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }
}
