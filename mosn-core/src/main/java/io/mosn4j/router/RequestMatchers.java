package io.mosn4j.router;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.config.HeaderMatchConfig;
import io.mosn4j.config.QueryParameterMatchConfig;
import io.mosn4j.config.VariableMatchConfig;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The parts of a route's match beyond the path, compiled once: headers, query parameters and
 * variables. Exact comparisons read the request in place and allocate nothing; regular expressions
 * match unanchored, as Go's {@code MatchString} in MOSN.
 */
final class RequestMatchers {
    private RequestMatchers() {}

    private static final String ANY = ".*";

    /**
     * A header the request must carry, with a value; or, with {@code present} set, a header that
     * must be there ({@code TRUE}) or absent ({@code FALSE}); {@code invert} inverts the result
     * (Envoy's {@code invert_match}: a value matcher still fails on an absent header).
     */
    record HeaderMatcher(String name, String value, Pattern pattern, Boolean present, boolean invert) {
        static HeaderMatcher of(HeaderMatchConfig c, boolean methodIsPseudo) {
            // MOSN's HTTP routes (those with a path match) read a header named "method" as the request's method
            String name = methodIsPseudo && c.name().equals("method") ? Headers.METHOD : c.name();
            return new HeaderMatcher(name, c.value(), c.regex() ? Pattern.compile(c.value()) : null, c.presentMatch(), c.invertMatch());
        }

        boolean matches(Headers request) {
            String v = request.get(name);
            if (present != null) {
                return (v != null) == present != invert;
            }
            if (v == null) {
                return false;
            }
            boolean m;
            if (pattern == null) {
                // MOSN's RPC routes say {"name": "service", "value": ".*"} for "any service"
                m = value.equals(v) || ANY.equals(value);
            } else {
                m = pattern.matcher(v).find();
            }
            return m != invert;
        }
    }

    /** A query parameter the request must carry: {@code value} null means any value. */
    record QueryMatcher(String name, String value, Pattern pattern) {
        static QueryMatcher of(QueryParameterMatchConfig c) {
            return new QueryMatcher(c.name(), c.value(), c.regex() ? Pattern.compile(c.value()) : null);
        }

        /** Whether the query {@code path[from, path.length())} has the parameter. */
        boolean matches(String path, int from) {
            int len = path.length();
            int n = name.length();
            int i = from;
            while (i < len) {
                int end = path.indexOf('&', i);
                if (end < 0) {
                    end = len;
                }
                if (path.regionMatches(i, name, 0, n) && (i + n == end || path.charAt(i + n) == '=')) {
                    int vs = i + n == end ? end : i + n + 1;
                    if (valueMatches(path, vs, end)) {
                        return true;
                    }
                }
                i = end + 1;
            }
            return false;
        }

        private boolean valueMatches(String path, int from, int to) {
            if (pattern != null) {
                return pattern.matcher(path.subSequence(from, to)).find();
            }
            return value == null || (value.length() == to - from && path.regionMatches(from, value, 0, value.length()));
        }
    }

    /**
     * MOSN's {@code variables}: items joined by {@code and} / {@code or} (each item's model joins it
     * to the next), AND binding tighter: {@code a and b or c} is {@code (a && b) || c}. A variable
     * the request has no value for reads as "".
     */
    static final class VariableCondition {
        private final Variables.Bound[] vars;
        private final String[] values;
        private final Pattern[] patterns;
        private final boolean[] orNext;

        VariableCondition(List<VariableMatchConfig> items, Variables variables, String path) {
            int n = items.size();
            vars = new Variables.Bound[n];
            values = new String[n];
            patterns = new Pattern[n];
            orNext = new boolean[n];
            for (int i = 0; i < n; i++) {
                VariableMatchConfig c = items.get(i);
                Variables.Bound b = variables == null ? null : variables.resolve(c.name());
                if (b == null) {
                    throw new ConfigException(path + "[" + i + "].name", "unknown variable \"" + c.name() + "\"");
                }
                vars[i] = b;
                values[i] = c.value() == null || c.value().isEmpty() ? null : c.value();
                patterns[i] = c.regex() == null || c.regex().isEmpty() ? null : Pattern.compile(c.regex());
                orNext[i] = c.model().equals("or");
            }
        }

        boolean matches(RequestInfo request) {
            boolean group = true;
            for (int i = 0; i < vars.length; i++) {
                group = group && item(i, request);
                if (orNext[i] || i == vars.length - 1) {
                    if (group) {
                        return true;
                    }
                    group = true; // the next AND group
                }
            }
            return false;
        }

        private boolean item(int i, RequestInfo request) {
            String actual = request == null ? null : vars[i].get(request);
            if (actual == null) {
                actual = "";
            }
            if (patterns[i] != null) {
                return patterns[i].matcher(actual).find();
            }
            return values[i].equals(actual);
        }
    }
}
