package io.mosn4j.api.variable;

import io.mosn4j.api.stream.RequestInfo;

/** Every variable this process knows, by name. Immutable after start; thread-safe. */
public interface Variables {

    /** A variable bound to its name, compiled once (at config load) and read per request. */
    interface Bound {
        String name();

        /** The value for {@code request}, or null. */
        String get(RequestInfo request);

        /** Appends the value for {@code request} to {@code out}; false, appending nothing, when there is none. */
        default boolean appendTo(RequestInfo request, LineBuffer out) {
            String v = get(request);
            if (v == null) {
                return false;
            }
            out.append(v);
            return true;
        }
    }

    /** {@code name} resolved (exact names first, then the longest matching prefix), or null when unknown. */
    Bound resolve(String name);

    /** Shorthand for one lookup: resolve, then read; null when unknown or absent. */
    default String get(String name, RequestInfo request) {
        Bound b = resolve(name);
        return b == null ? null : b.get(request);
    }
}
