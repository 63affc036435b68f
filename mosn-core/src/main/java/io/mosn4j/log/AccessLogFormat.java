package io.mosn4j.log;

import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.LineBuffer;
import io.mosn4j.api.variable.Variables;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An access log line's format, compiled once at config load: literal text and variables resolved to
 * their getters. MOSN's syntax: {@code %name%} is a variable, {@code \%} a literal percent sign; a
 * variable the process does not know prints "-" (as MOSN does for Istio's names), and so does one
 * the request has no value for. The JSON form writes one object per line whose values are such
 * formats.
 */
public abstract sealed class AccessLogFormat {
    /** MOSN's {@code DefaultAccessLogFormat}, used when {@code log_format} is empty. */
    public static final String MOSN_DEFAULT = "%start_time% %trace_id%  %connection_id% %upstream_connection_id% "
            + "%request_received_duration% %response_received_duration% %bytes_sent% %bytes_received% %protocol% "
            + "%response_code% %duration% %response_flag% %response_code% %upstream_local_address% "
            + "%downstream_local_address% %downstream_remote_address% %upstream_host%";
    static final String MISSING = "-";

    /** Appends the line for {@code request}, without its newline. */
    public abstract void appendTo(LineBuffer out, RequestInfo request);

    /**
     * Compiles {@code format}; a variable nobody registered is reported to {@code unknown} (its
     * place prints "-").
     *
     * @throws IllegalArgumentException for {@code %%} or an unclosed {@code %}
     */
    public static AccessLogFormat text(String format, Variables variables, Consumer<String> unknown) {
        return new Text(parse(format, variables, unknown));
    }

    /** One JSON object per line, with {@code fields}' keys in order and each value's format rendered as a string. */
    public static AccessLogFormat json(Map<String, String> fields, Variables variables, Consumer<String> unknown) {
        List<String> keys = new ArrayList<>();
        List<Parts> values = new ArrayList<>();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            keys.add(e.getKey());
            values.add(parse(e.getValue(), variables, unknown));
        }
        return new Json(keys.toArray(String[]::new), values.toArray(Parts[]::new));
    }

    /**
     * A compiled format: each variable with the literal text before it, then the text after the
     * last. A line is a loop over the variables: no per-part type tests.
     */
    private record Parts(byte[][] before, Variables.Bound[] variables, byte[] after) {}

    private static Parts parse(String format, Variables variables, Consumer<String> unknown) {
        List<byte[]> before = new ArrayList<>();
        List<Variables.Bound> bound = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i);
            if (c == '\\' && i + 1 < format.length() && format.charAt(i + 1) == '%') {
                text.append('%');
                i += 2;
                continue;
            }
            if (c != '%') {
                text.append(c);
                i++;
                continue;
            }
            int end = format.indexOf('%', i + 1);
            if (end < 0) {
                throw new IllegalArgumentException("unclosed variable at " + i + " in \"" + format + "\" (write \\% for a percent sign)");
            }
            if (end == i + 1) {
                throw new IllegalArgumentException("empty variable %% at " + i + " in \"" + format + "\"");
            }
            String name = format.substring(i + 1, end);
            Variables.Bound b = variables.resolve(name);
            if (b == null) {
                unknown.accept(name);
                text.append(MISSING);
            } else {
                before.add(utf8(text));
                bound.add(b);
                text.setLength(0);
            }
            i = end + 1;
        }
        return new Parts(before.toArray(byte[][]::new), bound.toArray(Variables.Bound[]::new), utf8(text));
    }

    private static byte[] utf8(CharSequence text) {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void render(Parts parts, LineBuffer out, RequestInfo request) {
        byte[][] before = parts.before;
        Variables.Bound[] variables = parts.variables;
        for (int i = 0; i < variables.length; i++) {
            out.append(before[i]);
            int at = out.length();
            boolean found;
            try {
                found = variables[i].appendTo(request, out);
            } catch (RuntimeException e) {
                out.setLength(at); // a value that cannot be read is a missing one
                found = false;
            }
            if (!found) {
                out.append('-');
            }
        }
        out.append(parts.after);
    }

    private static final class Text extends AccessLogFormat {
        private final Parts parts;

        Text(Parts parts) {
            this.parts = parts;
        }

        @Override
        public void appendTo(LineBuffer out, RequestInfo request) {
            render(parts, out, request);
        }
    }

    private static final class Json extends AccessLogFormat {
        private final byte[][] keys;
        private final Parts[] values;

        Json(String[] keys, Parts[] values) {
            this.keys = new byte[keys.length][];
            for (int i = 0; i < keys.length; i++) {
                LineBuffer k = new LineBuffer();
                k.append(i == 0 ? '{' : ',');
                int at = k.length();
                k.append(keys[i]);
                escapeFrom(k, at);
                k.append(':');
                this.keys[i] = Arrays.copyOf(k.array(), k.length());
            }
            this.values = values;
        }

        @Override
        public void appendTo(LineBuffer out, RequestInfo request) {
            if (keys.length == 0) {
                out.append('{');
            }
            for (int i = 0; i < keys.length; i++) {
                out.append(keys[i]);
                int at = out.length();
                render(values[i], out, request);
                escapeFrom(out, at);
            }
            out.append('}');
        }

        /**
         * Turns what was appended from {@code at} into a JSON string, in place. The text is UTF-8:
         * every byte of a multi-byte character is 0x80 or above, so only ASCII bytes need escaping.
         */
        private static void escapeFrom(LineBuffer out, int at) {
            byte[] a = out.array();
            int end = out.length();
            boolean plain = true;
            for (int i = at; i < end; i++) {
                byte b = a[i];
                if (b >= 0 && b < 0x20 || b == '"' || b == '\\') {
                    plain = false;
                    break;
                }
            }
            if (plain) {
                out.insert(at, (byte) '"');
                out.append('"');
                return;
            }
            byte[] raw = Arrays.copyOfRange(a, at, end);
            out.setLength(at);
            out.append('"');
            for (int i = 0; i < raw.length; i++) {
                byte b = raw[i];
                switch (b) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (b >= 0 && b < 0x20) {
                            out.append(String.format("\\u%04x", b));
                        } else {
                            out.append(raw, i, 1);
                        }
                    }
                }
            }
            out.append('"');
        }
    }
}
