package io.mosn4j.filter.gzip;

import java.util.List;

/**
 * Reads a request's {@code Accept-Encoding} (RFC 9110 §12.5.3) for gzip: allowed when {@code gzip}
 * (or {@code x-gzip}) is listed with a non-zero weight, or {@code *} is and gzip is not refused
 * by name. MOSN matches a few exact spellings ({@code "gzip, deflate"}); any list is read here.
 */
final class AcceptEncoding {
    private AcceptEncoding() {}

    static boolean allowsGzip(List<String> values) {
        int gzip = -1; // -1 not named, 0 refused, 1 allowed
        int any = -1;
        for (String value : values) {
            int from = 0;
            while (from < value.length()) {
                int comma = value.indexOf(',', from);
                int end = comma < 0 ? value.length() : comma;
                int semi = value.indexOf(';', from);
                int nameEnd = semi >= 0 && semi < end ? semi : end;
                String coding = value.substring(from, nameEnd).trim();
                boolean allowed = nameEnd == end || weightAboveZero(value.substring(nameEnd + 1, end));
                if (coding.equalsIgnoreCase("gzip") || coding.equalsIgnoreCase("x-gzip")) {
                    gzip = Math.max(gzip, allowed ? 1 : 0);
                } else if (coding.equals("*")) {
                    any = Math.max(any, allowed ? 1 : 0);
                }
                from = end + 1;
            }
        }
        return gzip == 1 || (gzip == -1 && any == 1);
    }

    /** Whether the parameters {@code ;q=0.5} give a weight above zero (a weight that does not parse: no). */
    private static boolean weightAboveZero(String params) {
        for (String p : params.split(";")) {
            String t = p.trim();
            if (t.length() > 2 && (t.charAt(0) == 'q' || t.charAt(0) == 'Q') && t.charAt(1) == '=') {
                try {
                    return Double.parseDouble(t.substring(2).trim()) > 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return true;
    }
}
