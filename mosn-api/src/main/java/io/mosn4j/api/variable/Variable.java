package io.mosn4j.api.variable;

import io.mosn4j.api.stream.RequestInfo;

/**
 * A named value of a request that access logs, the router and filters can read (MOSN's variable
 * mechanism): {@code %request_header_host%}, {@code upstream_cluster}, {@code x-mosn-rpc-service}...
 * A prefix variable ({@code request_header_}) takes the rest of the name as its argument.
 *
 * <p>A variable is read as a string ({@link Getter}) or appended to a line ({@link Appender}, what
 * access logs use: a number or a duration appended costs no string of its own). Give either; the
 * other is derived from it.
 *
 * @param name the variable's name, or its prefix
 * @param prefix whether {@code name} is a prefix
 * @param getter reads the value
 * @param appender appends the value
 */
public record Variable(String name, boolean prefix, Getter getter, Appender appender) {

    /** Reads a variable's value; {@code suffix} is the part after a prefix variable's name, else "". */
    @FunctionalInterface
    public interface Getter {
        /** The value, or null when the request has none. Called on the request's event loop or after it ended. */
        String get(RequestInfo request, String suffix);
    }

    /** Appends a variable's value to {@code out}; returns false, appending nothing, when the request has none. */
    @FunctionalInterface
    public interface Appender {
        boolean append(RequestInfo request, String suffix, LineBuffer out);
    }

    public Variable {
        if (getter == null && appender == null) {
            throw new IllegalArgumentException("variable " + name + " has no getter");
        }
        if (appender == null) {
            Getter g = getter;
            appender = (r, s, out) -> {
                String v = g.get(r, s);
                if (v == null) {
                    return false;
                }
                out.append(v);
                return true;
            };
        } else if (getter == null) {
            Appender a = appender;
            getter = (r, s) -> {
                LineBuffer b = new LineBuffer();
                return a.append(r, s, b) ? b.toString() : null;
            };
        }
    }

    public Variable(String name, boolean prefix, Getter getter) {
        this(name, prefix, getter, null);
    }

    public static Variable of(String name, Getter getter) {
        return new Variable(name, false, getter, null);
    }

    /** A variable whose value is appended without a string of its own (numbers, durations, times). */
    public static Variable appending(String name, Appender appender) {
        return new Variable(name, false, null, appender);
    }

    public static Variable prefix(String prefix, Getter getter) {
        return new Variable(prefix, true, getter, null);
    }
}
