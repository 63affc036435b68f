package io.mosn4j.router;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.config.HeaderValueOptionConfig;
import java.util.List;
import java.util.Locale;

/**
 * One level's (route, virtual host or table) {@code *_headers_to_add} and {@code *_to_remove},
 * compiled once: additions first, then removals, as MOSN applies them. A value written
 * {@code %name%} is the variable {@code name} read for the request at that moment (unset: "");
 * an unknown variable is refused at load. With {@code append} (the default) a header already
 * there with a value keeps it and gains {@code ,value}.
 */
final class HeaderMutations {
    static final HeaderMutations NONE = new HeaderMutations(new String[0], new String[0], new Variables.Bound[0], new boolean[0], new String[0]);

    private final String[] names;
    private final String[] values;
    private final Variables.Bound[] vars;
    private final boolean[] append;
    private final String[] removals;
    /** The next level's changes (route, then virtual host, then table), or null. */
    private final HeaderMutations next;

    private HeaderMutations(String[] names, String[] values, Variables.Bound[] vars, boolean[] append, String[] removals) {
        this(names, values, vars, append, removals, null);
    }

    private HeaderMutations(String[] names, String[] values, Variables.Bound[] vars, boolean[] append, String[] removals,
                            HeaderMutations next) {
        this.names = names;
        this.values = values;
        this.vars = vars;
        this.append = append;
        this.removals = removals;
        this.next = next;
    }

    /** {@code first}'s changes, then {@code second}'s, then {@code third}'s. */
    static HeaderMutations chain(HeaderMutations first, HeaderMutations second, HeaderMutations third) {
        HeaderMutations tail = third.isEmpty() ? null : third;
        if (!second.isEmpty()) {
            tail = second.then(tail);
        }
        if (!first.isEmpty()) {
            tail = first.then(tail);
        }
        return tail == null ? NONE : tail;
    }

    private HeaderMutations then(HeaderMutations after) {
        HeaderMutations rest = next == null ? after : next.then(after);
        return new HeaderMutations(names, values, vars, append, removals, rest);
    }

    static HeaderMutations of(List<HeaderValueOptionConfig> add, List<String> remove, Variables variables, String path, String what) {
        if (add.isEmpty() && remove.isEmpty()) {
            return NONE;
        }
        int n = add.size();
        String[] names = new String[n];
        String[] values = new String[n];
        Variables.Bound[] vars = new Variables.Bound[n];
        boolean[] append = new boolean[n];
        for (int i = 0; i < n; i++) {
            HeaderValueOptionConfig o = add.get(i);
            names[i] = o.header().key().toLowerCase(Locale.ROOT);
            String v = o.header().value();
            append[i] = o.append();
            if (v.length() > 2 && v.startsWith("%") && v.endsWith("%")) {
                String name = v.substring(1, v.length() - 1);
                Variables.Bound b = variables == null ? null : variables.resolve(name);
                if (b == null) {
                    throw new ConfigException(path + "." + what + "_headers_to_add[" + i + "].header.value", "unknown variable \"" + name + "\"");
                }
                vars[i] = b;
            } else {
                values[i] = v;
            }
        }
        String[] removals = new String[remove.size()];
        for (int i = 0; i < removals.length; i++) {
            removals[i] = remove.get(i).toLowerCase(Locale.ROOT);
        }
        return new HeaderMutations(names, values, vars, append, removals);
    }

    boolean isEmpty() {
        return names.length == 0 && removals.length == 0 && next == null;
    }

    void apply(Headers headers, RequestInfo request) {
        for (int i = 0; i < names.length; i++) {
            String value = vars[i] != null ? orEmpty(request == null ? null : vars[i].get(request)) : values[i];
            String old = append[i] ? headers.get(names[i]) : null;
            headers.set(names[i], old == null || old.isEmpty() ? value : old + "," + value);
        }
        for (String r : removals) {
            headers.remove(r);
        }
        if (next != null) {
            next.apply(headers, request);
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
