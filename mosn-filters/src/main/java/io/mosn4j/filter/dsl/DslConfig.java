package io.mosn4j.filter.dsl;

import dev.cel.compiler.CelCompiler;
import dev.cel.runtime.CelRuntime;
import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.cel.MosnCel;
import java.util.Map;

/**
 * The {@code dsl} filter's config (MOSN's {@code StreamDSL}): one expression per moment of the
 * stream, each optional, each compiled at load (a bad one refused naming its key).
 *
 * @param beforeRoute {@code before_router_by_dsl}, before the route is chosen
 * @param afterRoute {@code after_router_by_dsl}, after it (a URL rewrite here chooses the route again)
 * @param afterBalancer {@code after_balancer_by_dsl}, after the upstream host is chosen
 * @param send {@code send_filter_by_dsl}, on the response's headers
 * @param log {@code log_filter_by_dsl}, when the stream ends
 */
record DslConfig(Expression beforeRoute, Expression afterRoute, Expression afterBalancer, Expression send, Expression log) {

    /** One compiled expression and its text (for logs). */
    record Expression(CelRuntime.Program program, String source) {}

    private static final class Cel {
        static final CelCompiler COMPILER = MosnCel.compiler()
                .addVar("ctx", DslContext.TYPE)
                .addFunctionDeclarations(DslContext.DECLARATIONS)
                .build();
        static final CelRuntime RUNTIME = MosnCel.runtime().addFunctionBindings(DslContext.BINDINGS).build();
    }

    /** Keys MOSN's examples use that MOSN itself does not read: named in the warning. */
    private static final Map<String, String> MISSPELLED = Map.of("send_router_by_dsl", "send_filter_by_dsl",
            "log_by_dsl", "log_filter_by_dsl");

    static DslConfig parse(ConfigValue c) {
        if (!c.isMissing() && !c.isObject()) {
            throw c.error("", "must be an object with before_router_by_dsl, after_router_by_dsl, after_balancer_by_dsl,"
                    + " send_filter_by_dsl, log_filter_by_dsl");
        }
        for (String key : c.keys()) {
            switch (key.toLowerCase(java.util.Locale.ROOT)) {
                case "before_router_by_dsl", "after_router_by_dsl", "after_balancer_by_dsl", "send_filter_by_dsl",
                        "log_filter_by_dsl" -> { }
                case "debug" -> c.warn(key, "not acted on (MOSN does not act on it either)");
                default -> c.warn(key, MISSPELLED.containsKey(key.toLowerCase(java.util.Locale.ROOT))
                        ? "not a key of the dsl stream filter (MOSN ignores it too; did you mean "
                                + MISSPELLED.get(key.toLowerCase(java.util.Locale.ROOT)) + "?); ignored"
                        : "not a key of the dsl stream filter; ignored");
            }
        }
        return new DslConfig(expression(c, "before_router_by_dsl"), expression(c, "after_router_by_dsl"),
                expression(c, "after_balancer_by_dsl"), expression(c, "send_filter_by_dsl"), expression(c, "log_filter_by_dsl"));
    }

    private static Expression expression(ConfigValue c, String key) {
        ConfigValue v = c.get(key);
        if (v.isMissing()) {
            return null;
        }
        if (v.isObject() || v.isArray()) {
            throw c.error(key, "must be a CEL expression (a string)");
        }
        String source = v.asText("").strip();
        if (source.isEmpty()) {
            return null; // MOSN: an empty expression is none
        }
        return new Expression(MosnCel.compile(Cel.COMPILER, Cel.RUNTIME, source, v.path()), source);
    }
}
