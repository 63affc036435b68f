package io.mosn4j.config;

import io.mosn4j.api.variable.LineBuffer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Go's duration strings ("300ms", "1.5h", "1h30m", "0"), the format MOSN's files use. */
public final class GoDuration {
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private GoDuration() {}

    public static Duration parse(String s) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            negative = s.charAt(0) == '-';
            i++;
        }
        if (s.substring(i).equals("0")) {
            return Duration.ZERO;
        }
        if (i == s.length()) {
            throw invalid(s);
        }
        BigDecimal total = BigDecimal.ZERO;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".")) {
                throw invalid(s);
            }
            BigDecimal value;
            try {
                value = new BigDecimal(number.endsWith(".") ? number + "0" : number.startsWith(".") ? "0" + number : number);
            } catch (NumberFormatException e) {
                throw invalid(s);
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            total = total.add(value.multiply(BigDecimal.valueOf(unitNanos(s.substring(unitStart, i), s))));
        }
        if (total.compareTo(MAX_NANOS) > 0) {
            throw new IllegalArgumentException("duration out of range: \"" + s + "\"");
        }
        long nanos = total.longValue(); // Go truncates fractions of a nanosecond
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    /** Formats as Go's {@code Duration.String} does, so a config dump reads like the file it came from. */
    public static String format(Duration d) {
        return appendTo(new LineBuffer(24), d.toNanos()).toString();
    }

    /** Appends {@code nanos} as Go's {@code Duration.String} writes it, with no string of its own (access logs). */
    public static LineBuffer appendTo(LineBuffer out, long nanos) {
        if (nanos == 0) {
            return out.append(ZERO);
        }
        if (nanos < 0) {
            out.append('-');
            nanos = -nanos;
        }
        if (nanos < 1_000L) {
            return out.append(nanos).append(NS);
        }
        if (nanos < 1_000_000L) {
            return fraction(out, nanos, 3).append(MICROS);
        }
        if (nanos < 1_000_000_000L) {
            return fraction(out, nanos, 6).append(MS);
        }
        long h = nanos / 3_600_000_000_000L;
        long m = nanos / 60_000_000_000L % 60;
        if (h > 0) {
            out.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            out.append(m).append('m');
        }
        return fraction(out, nanos % 60_000_000_000L, 9).append('s');
    }

    private static final byte[] ZERO = {'0', 's'};
    private static final byte[] NS = {'n', 's'};
    private static final byte[] MICROS = "µs".getBytes(StandardCharsets.UTF_8); // Go writes U+00B5
    private static final byte[] MS = {'m', 's'};
    private static final long[] POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L};

    /** {@code v / 10^digits} with the fraction's trailing zeros dropped. */
    private static LineBuffer fraction(LineBuffer out, long v, int digits) {
        long scale = POW10[digits];
        out.append(v / scale);
        long frac = v % scale;
        if (frac != 0) {
            while (frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            out.append('.');
            for (int d = digits - 1; d > 0 && frac < POW10[d]; d--) {
                out.append('0'); // the fraction's leading zeros
            }
            out.append(frac);
        }
        return out;
    }

    private static long unitNanos(String unit, String whole) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            case "" -> throw new IllegalArgumentException("missing unit in duration \"" + whole + "\" (use ns, us, ms, s, m or h)");
            default -> throw new IllegalArgumentException("unknown unit \"" + unit + "\" in duration \"" + whole + "\"");
        };
    }

    private static IllegalArgumentException invalid(String s) {
        return new IllegalArgumentException("invalid duration \"" + s + "\" (expected e.g. \"500ms\", \"1s\", \"1m30s\")");
    }
}
