package io.mosn4j.router;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationResult;
import dev.cel.common.Operator;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelMacro;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.cel.runtime.CelVariableResolver;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.config.DslExpressionConfig;
import java.net.InetSocketAddress;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A route's {@code dsl_expressions}: CEL expressions (Google's CEL for Java), parsed and
 * type-checked once when the route table is built, each of which must be true for the route to
 * match. They see MOSN's attribute names ({@code request.host}, {@code request.headers["x"]}, ...,
 * listed in {@link #ATTRIBUTES}) plus {@code variables["name"]}, any variable of the process, and
 * MOSN's {@code conditional(cond, a, b)} macro. An expression that fails while evaluating (a
 * missing map key) does not match, as in MOSN. Loaded only when a route uses it.
 */
final class DslCondition {
    private static final Logger log = LoggerFactory.getLogger(DslCondition.class);

    /** The request attributes an expression may name (MOSN's attribute manifest, the part a request has). */
    static final Map<String, dev.cel.common.types.CelType> ATTRIBUTES = Map.ofEntries(
            Map.entry("request.headers", MapType.create(SimpleType.STRING, SimpleType.STRING)),
            Map.entry("request.host", SimpleType.STRING),
            Map.entry("request.method", SimpleType.STRING),
            Map.entry("request.path", SimpleType.STRING),
            Map.entry("request.url_path", SimpleType.STRING),
            Map.entry("request.query_params", MapType.create(SimpleType.STRING, SimpleType.STRING)),
            Map.entry("request.scheme", SimpleType.STRING),
            Map.entry("request.useragent", SimpleType.STRING),
            Map.entry("request.referer", SimpleType.STRING),
            Map.entry("request.id", SimpleType.STRING),
            Map.entry("context.protocol", SimpleType.STRING),
            Map.entry("source.ip", SimpleType.STRING),
            Map.entry("origin.ip", SimpleType.STRING),
            Map.entry("destination.port", SimpleType.INT),
            Map.entry("variables", MapType.create(SimpleType.STRING, SimpleType.STRING)));

    private static final class Cel {
        static final CelCompiler COMPILER;
        static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

        static {
            // MOSN's conditional(cond, a, b) is CEL's cond ? a : b
            CelMacro conditional = CelMacro.newGlobalMacro("conditional", 3,
                    (factory, target, args) -> Optional.of(factory.newGlobalCall(Operator.CONDITIONAL.getFunction(), args)));
            var builder = CelCompilerFactory.standardCelCompilerBuilder()
                    .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                    .addMacros(conditional)
                    .setResultType(SimpleType.BOOL);
            ATTRIBUTES.forEach(builder::addVar);
            COMPILER = builder.build();
        }
    }

    private final CelRuntime.Program[] programs;
    private final String[] sources;
    private final Variables variables;

    DslCondition(List<DslExpressionConfig> expressions, Variables variables, String path) {
        this.variables = variables;
        programs = new CelRuntime.Program[expressions.size()];
        sources = new String[expressions.size()];
        for (int i = 0; i < programs.length; i++) {
            String src = expressions.get(i).expression();
            String at = path + "[" + i + "].expression";
            CelValidationResult result = Cel.COMPILER.compile(src);
            if (result.hasError()) {
                throw new ConfigException(at, "invalid CEL expression: " + oneLine(result.getErrorString()));
            }
            try {
                CelAbstractSyntaxTree ast = result.getAst();
                programs[i] = Cel.RUNTIME.createProgram(ast);
            } catch (Exception e) {
                throw new ConfigException(at, "invalid CEL expression: " + oneLine(e.getMessage()));
            }
            sources[i] = src;
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        // CEL's report is "ERROR: <input>:1:5: message\n | source\n | ^": keep the message lines
        StringBuilder out = new StringBuilder();
        for (String line : s.split("\n")) {
            String l = line.strip();
            if (l.startsWith("|") || l.isEmpty()) {
                continue;
            }
            out.append(out.isEmpty() ? "" : "; ").append(l.replace("ERROR: <input>:", "at "));
        }
        return out.toString();
    }

    boolean matches(Headers headers, RequestInfo request) {
        Attributes attributes = new Attributes(headers, request, variables);
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

    /** The attributes of one request, each computed when an expression first asks for it. */
    private record Attributes(Headers headers, RequestInfo request, Variables variables) implements CelVariableResolver {
        @Override
        public Optional<Object> find(String name) {
            Object v = switch (name) {
                case "request.headers" -> headerMap();
                case "request.host" -> header(Headers.AUTHORITY);
                case "request.method" -> header(Headers.METHOD);
                case "request.path" -> header(Headers.PATH);
                case "request.url_path" -> {
                    String p = header(Headers.PATH);
                    int q = p.indexOf('?');
                    yield q < 0 ? p : p.substring(0, q);
                }
                case "request.query_params" -> queryMap();
                case "request.scheme" -> header(Headers.SCHEME);
                case "request.useragent" -> header("user-agent");
                case "request.referer" -> header("referer");
                case "request.id" -> header("x-request-id");
                case "context.protocol" -> request == null || request.protocol() == null ? "" : request.protocol();
                case "source.ip", "origin.ip" -> request != null && request.downstreamRemoteAddress() instanceof InetSocketAddress a
                        && a.getAddress() != null ? a.getAddress().getHostAddress() : "";
                case "destination.port" -> request != null && request.downstreamLocalAddress() instanceof InetSocketAddress a
                        ? (long) a.getPort() : 0L;
                case "variables" -> new VariableMap(variables, request);
                default -> null;
            };
            return Optional.ofNullable(v);
        }

        private String header(String name) {
            String v = headers == null ? null : headers.get(name);
            return v == null ? "" : v;
        }

        private Map<String, String> headerMap() {
            Map<String, String> m = new HashMap<>();
            if (headers != null) {
                for (int i = 0; i < headers.size(); i++) {
                    String n = headers.name(i);
                    if (!n.startsWith(":")) {
                        m.putIfAbsent(n.toLowerCase(Locale.ROOT), headers.value(i));
                    }
                }
            }
            return m;
        }

        private Map<String, String> queryMap() {
            Map<String, String> m = new HashMap<>();
            String p = header(Headers.PATH);
            int q = p.indexOf('?');
            if (q >= 0) {
                for (String pair : p.substring(q + 1).split("&")) {
                    if (!pair.isEmpty()) {
                        int eq = pair.indexOf('=');
                        m.putIfAbsent(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
                    }
                }
            }
            return m;
        }
    }

    /** {@code variables["name"]}: any variable of the process, read when asked; absent when unknown or unset. */
    private static final class VariableMap extends AbstractMap<String, String> {
        private final Variables variables;
        private final RequestInfo request;

        VariableMap(Variables variables, RequestInfo request) {
            this.variables = variables;
            this.request = request;
        }

        @Override
        public String get(Object key) {
            if (!(key instanceof String name) || variables == null || request == null) {
                return null;
            }
            Variables.Bound b = variables.resolve(name);
            return b == null ? null : b.get(request);
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return Set.of(); // variables cannot be listed: prefix variables stand for any suffix
        }
    }
}
