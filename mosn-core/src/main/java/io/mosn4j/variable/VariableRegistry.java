package io.mosn4j.variable;

import io.mosn4j.api.Providers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.LineBuffer;
import io.mosn4j.api.variable.Variable;
import io.mosn4j.api.variable.VariableProvider;
import io.mosn4j.api.variable.Variables;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every variable of the process: the built-in ones ({@link BuiltinVariables}) and those protocols
 * and filters add through {@link VariableProvider}. Names resolve once (when a config is compiled),
 * reads are a call through the bound getter. Immutable after start.
 */
public final class VariableRegistry implements Variables {
    private final Map<String, Variable> exact = new HashMap<>();
    /** Longest prefix first, so {@code request_header_} loses to a longer registered prefix. */
    private final List<Variable> prefixes = new ArrayList<>();

    public VariableRegistry(Collection<Variable> variables) {
        for (Variable v : variables) {
            if (v.prefix()) {
                if (prefixes.stream().anyMatch(p -> p.name().equals(v.name()))) {
                    throw new IllegalStateException("two variable prefixes named \"" + v.name() + "\"");
                }
                prefixes.add(v);
            } else if (exact.putIfAbsent(v.name(), v) != null) {
                throw new IllegalStateException("two variables named \"" + v.name() + "\"");
            }
        }
        prefixes.sort((a, b) -> Integer.compare(b.name().length(), a.name().length())); // longest first
    }

    public static VariableRegistry load(ClassLoader loader) {
        List<Variable> all = new ArrayList<>();
        for (VariableProvider p : Providers.load(VariableProvider.class, loader)) {
            all.addAll(p.variables());
        }
        return new VariableRegistry(all);
    }

    @Override
    public Bound resolve(String name) {
        Variable v = exact.get(name);
        if (v != null) {
            return new BoundVariable(name, v.getter(), v.appender(), "");
        }
        for (Variable p : prefixes) {
            if (name.startsWith(p.name()) && name.length() > p.name().length()) {
                return new BoundVariable(name, p.getter(), p.appender(), name.substring(p.name().length()));
            }
        }
        return null;
    }

    private record BoundVariable(String name, Variable.Getter getter, Variable.Appender appender, String suffix) implements Bound {
        @Override
        public String get(RequestInfo request) {
            return getter.get(request, suffix);
        }

        @Override
        public boolean appendTo(RequestInfo request, LineBuffer out) {
            return appender.append(request, suffix, out);
        }
    }
}
