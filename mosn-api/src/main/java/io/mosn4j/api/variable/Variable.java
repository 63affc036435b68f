package io.mosn4j.api.variable;

import io.mosn4j.api.stream.RequestInfo;

/**
 * A named value of a request that access logs, the router and filters can read (MOSN's variable
 * mechanism): {@code %request_header_host%}, {@code upstream_cluster}, {@code bolt_service}...
 * A prefix variable ({@code request_header_}) takes the rest of the name as its argument.
 *
 * @param name the variable's name, or its prefix
 * @param prefix whether {@code name} is a prefix
 * @param getter reads the value
 */
public record Variable(String name, boolean prefix, Getter getter) {

    /** Reads a variable's value; {@code suffix} is the part after a prefix variable's name, else "". */
    @FunctionalInterface
    public interface Getter {
        /** The value, or null when the request has none. Called on the request's event loop or after it ended. */
        String get(RequestInfo request, String suffix);
    }

    public static Variable of(String name, Getter getter) {
        return new Variable(name, false, getter);
    }

    public static Variable prefix(String prefix, Getter getter) {
        return new Variable(prefix, true, getter);
    }
}
