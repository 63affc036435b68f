package io.mosn4j.router;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.cel.MosnCel;
import io.mosn4j.cel.RequestAttributes;
import io.mosn4j.config.DslExpressionConfig;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A route's {@code dsl_expressions}: CEL expressions in MOSN's dialect ({@link MosnCel}: its
 * attribute names, {@code variables["name"]}, {@code conditional(cond, a, b)}, CEXL's {@code a | b}),
 * parsed and type-checked once when the route table is built, each of which must be true for the
 * route to match. An expression that fails while evaluating (a missing map key) does not match, as
 * in MOSN. Loaded only when a route uses it.
 */
final class DslCondition {
    private static final Logger log = LoggerFactory.getLogger(DslCondition.class);

    private static final class Cel {
        static final CelCompiler COMPILER = MosnCel.compiler().setResultType(SimpleType.BOOL).build();
        static final CelRuntime RUNTIME = MosnCel.runtime().build();
    }

    private final CelRuntime.Program[] programs;
    private final String[] sources;
    private final Variables variables;

    DslCondition(List<DslExpressionConfig> expressions, Variables variables, String path) {
        this.variables = variables;
        programs = new CelRuntime.Program[expressions.size()];
        sources = new String[expressions.size()];
        for (int i = 0; i < programs.length; i++) {
            sources[i] = expressions.get(i).expression();
            programs[i] = MosnCel.compile(Cel.COMPILER, Cel.RUNTIME, sources[i], path + "[" + i + "].expression");
        }
    }

    boolean matches(Headers headers, RequestInfo request) {
        RequestAttributes attributes = new RequestAttributes(headers, null, request, variables);
        for (int i = 0; i < programs.length; i++) {
            try {
                if (!Boolean.TRUE.equals(programs[i].eval(attributes))) {
                    return false;
                }
            } catch (CelEvaluationException e) {
                log.debug("dsl expression {} did not evaluate: {}", sources[i], e.getMessage());
                return false;
            }
        }
        return true;
    }
}
