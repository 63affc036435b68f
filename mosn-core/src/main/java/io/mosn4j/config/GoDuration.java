package io.mosn4j.config;

import java.time.Duration;

/** Go's duration strings ("300ms", "1.5h", "1h30m", "0"), the format MOSN's files use. */
public final class GoDuration {
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
        double totalNanos = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw invalid(s);
            }
            double value;
            try {
                value = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw invalid(s);
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            totalNanos += value * unitNanos(s.substring(unitStart, i), s);
        }
        if (totalNanos > Long.MAX_VALUE) {
            throw new IllegalArgumentException("duration out of range: \"" + s + "\"");
        }
        long nanos = Math.round(totalNanos);
        return Duration.ofNanos(negative ? -nanos : nanos);
    }

    /** Formats the way Go prints durations, so a config dump reads like the file it came from. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long nanos = d.toNanos();
        StringBuilder sb = new StringBuilder();
        if (nanos < 0) {
            sb.append('-');
            nanos = -nanos;
        }
        if (nanos < 1_000_000_000L) {
            if (nanos % 1_000_000 == 0) {
                return sb.append(nanos / 1_000_000).append("ms").toString();
            }
            if (nanos % 1_000 == 0) {
                return sb.append(nanos / 1_000).append("us").toString();
            }
            return sb.append(nanos).append("ns").toString();
        }
        long h = nanos / 3_600_000_000_000L;
        long m = nanos / 60_000_000_000L % 60;
        long restNanos = nanos % 60_000_000_000L;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        long sec = restNanos / 1_000_000_000L;
        long frac = restNanos % 1_000_000_000L;
        sb.append(sec);
        if (frac != 0) {
            String f = String.format("%09d", frac).replaceAll("0+$", "");
            sb.append('.').append(f);
        }
        return sb.append('s').toString();
    }

    private static double unitNanos(String unit, String whole) {
        return switch (unit) {
            case "ns" -> 1;
            case "us", "µs", "μs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            case "" -> throw new IllegalArgumentException("missing unit in duration \"" + whole + "\" (use ns, us, ms, s, m or h)");
            default -> throw new IllegalArgumentException("unknown unit \"" + unit + "\" in duration \"" + whole + "\"");
        };
    }

    private static IllegalArgumentException invalid(String s) {
        return new IllegalArgumentException("invalid duration \"" + s + "\" (expected e.g. \"500ms\", \"1s\", \"1m30s\")");
    }
}
