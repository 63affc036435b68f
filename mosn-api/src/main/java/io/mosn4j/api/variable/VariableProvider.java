package io.mosn4j.api.variable;

import java.util.Collection;

/**
 * Adds variables: a protocol its own ({@code bolt} the service and method of a call), a filter
 * what it decided. Registered under {@code META-INF/services/io.mosn4j.api.variable.VariableProvider};
 * read once at start. Two variables of one name refuse the start.
 */
public interface VariableProvider {
    Collection<Variable> variables();
}
