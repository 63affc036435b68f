package io.mosn4j.config;

import java.math.BigDecimal;
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
        return appendTo(new StringBuilder(16), d.toNanos()).toString();
    }

    /** Appends {@code nanos} as Go's {@code Duration.String} writes it, with no string of its own (access logs). */
    public static StringBuilder appendTo(StringBuilder sb, long nanos) {
        if (nanos == 0) {
            return sb.append("0s");
        }
        if (nanos < 0) {
            sb.append('-');
            nanos = -nanos;
        }
        if (nanos < 1_000L) {
            return sb.append(nanos).append("ns");
        }
        if (nanos < 1_000_000L) {
            return fraction(sb, nanos, 3).append("µs");
        }
        if (nanos < 1_000_000_000L) {
            return fraction(sb, nanos, 6).append("ms");
        }
        long h = nanos / 3_600_000_000_000L;
        long m = nanos / 60_000_000_000L % 60;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        return fraction(sb, nanos % 60_000_000_000L, 9).append('s');
    }

    private static final long[] POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L};

    /** {@code v / 10^digits} with the fraction's trailing zeros dropped. */
    private static StringBuilder fraction(StringBuilder sb, long v, int digits) {
        long scale = POW10[digits];
        sb.append(v / scale);
        long frac = v % scale;
        if (frac != 0) {
            while (frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            sb.append('.');
            for (int d = digits - 1; d > 0 && frac < POW10[d]; d--) {
                sb.append('0'); // the fraction's leading zeros
            }
            sb.append(frac);
        }
        return sb;
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
