package io.mosn4j.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationResult;
import dev.cel.common.Operator;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelMacro;
import dev.cel.parser.CelMacroExprFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeBuilder;
import dev.cel.runtime.CelRuntimeFactory;
import io.mosn4j.api.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * MOSN's CEL dialect (its {@code pkg/cel}), built on Google's CEL for Java: the attribute names an
 * expression may read ({@link #ATTRIBUTES}, read per request by {@link RequestAttributes}), the
 * macros {@code conditional(cond, a, b)} and {@code pick(a, b, ...)} (the first of its arguments
 * that has a value; what CEXL's {@code a | b} becomes), and MOSN's string functions {@code match},
 * {@code reverse}, {@code toLower}, {@code toUpper}, {@code conditionalString}. Callers add their
 * own functions to the builders and compile once, at load, with {@link #compile}.
 */
public final class MosnCel {
    private MosnCel() {}

    private static final MapType STRING_MAP = MapType.create(SimpleType.STRING, SimpleType.STRING);

    /** The attributes an expression may name (the part of MOSN's attribute manifest a request has). */
    public static final Map<String, CelType> ATTRIBUTES = Map.ofEntries(
            Map.entry("request.headers", STRING_MAP),
            Map.entry("request.host", SimpleType.STRING),
            Map.entry("request.method", SimpleType.STRING),
            Map.entry("request.path", SimpleType.STRING),
            Map.entry("request.url_path", SimpleType.STRING),
            Map.entry("request.query_params", STRING_MAP),
            Map.entry("request.scheme", SimpleType.STRING),
            Map.entry("request.useragent", SimpleType.STRING),
            Map.entry("request.referer", SimpleType.STRING),
            Map.entry("request.id", SimpleType.STRING),
            Map.entry("response.headers", STRING_MAP),
            Map.entry("response.code", SimpleType.INT),
            Map.entry("context.protocol", SimpleType.STRING),
            Map.entry("source.ip", SimpleType.STRING),
            Map.entry("origin.ip", SimpleType.STRING),
            Map.entry("destination.ip", SimpleType.STRING),
            Map.entry("destination.port", SimpleType.INT),
            Map.entry("variables", STRING_MAP));

    /** A compiler with the attributes, the macros and the string functions; add functions, then build. */
    public static CelCompilerBuilder compiler() {
        CelMacro conditional = CelMacro.newGlobalMacro("conditional", 3,
                (factory, target, args) -> Optional.of(factory.newGlobalCall(Operator.CONDITIONAL.getFunction(), args)));
        CelMacro pick = CelMacro.newGlobalVarArgMacro("pick", MosnCel::expandPick);
        CelCompilerBuilder b = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addMacros(conditional, pick);
        ATTRIBUTES.forEach(b::addVar);
        b.addFunctionDeclarations(
                both("match", SimpleType.BOOL, SimpleType.STRING, SimpleType.STRING),
                both("reverse", SimpleType.STRING, SimpleType.STRING),
                both("toLower", SimpleType.STRING, SimpleType.STRING),
                both("toUpper", SimpleType.STRING, SimpleType.STRING),
                both("conditionalString", SimpleType.STRING, SimpleType.BOOL, SimpleType.STRING, SimpleType.STRING));
        return b;
    }

    /** A runtime that runs what {@link #compiler()} accepts; add the bindings of your own functions, then build. */
    public static CelRuntimeBuilder runtime() {
        List<CelFunctionBinding> bindings = new ArrayList<>();
        for (String kind : new String[] {"", "member_"}) {
            bindings.add(CelFunctionBinding.from(kind + "match", String.class, String.class, MosnCel::match));
            bindings.add(CelFunctionBinding.from(kind + "reverse", String.class, s -> new StringBuilder(s).reverse().toString()));
            bindings.add(CelFunctionBinding.from(kind + "toLower", String.class, s -> s.toLowerCase(Locale.ROOT)));
            bindings.add(CelFunctionBinding.from(kind + "toUpper", String.class, s -> s.toUpperCase(Locale.ROOT)));
            bindings.add(CelFunctionBinding.from(kind + "conditionalString", List.of(Boolean.class, String.class, String.class),
                    a -> (Boolean) a[0] ? a[1] : a[2]));
        }
        return CelRuntimeFactory.standardCelRuntimeBuilder().addFunctionBindings(bindings);
    }

    /**
     * A function callable both ways, {@code f(a, b)} and {@code a.f(b)}, with overload ids
     * {@code name} and {@code member_name}: bind both.
     */
    public static CelFunctionDecl both(String name, CelType result, CelType... params) {
        return CelFunctionDecl.newFunctionDeclaration(name,
                CelOverloadDecl.newGlobalOverload(name, result, params),
                CelOverloadDecl.newMemberOverload("member_" + name, result, params));
    }

    /** MOSN's wildcard match: {@code "abc*"} a prefix, {@code "*abc"} a suffix, else the whole string. */
    private static boolean match(String s, String pattern) {
        if (pattern.endsWith("*")) {
            return s.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        if (pattern.startsWith("*")) {
            return s.endsWith(pattern.substring(1));
        }
        return s.equals(pattern);
    }

    /**
     * {@code pick(a, b, c)}: {@code a} when it has a value, else {@code b}, else {@code c}. "Has a
     * value" is tested where CEL can: a map entry ({@code m[k]}: {@code k in m}) or a field
     * ({@code x.f}: {@code has(x.f)}); any other argument always has one.
     */
    private static Optional<CelExpr> expandPick(CelMacroExprFactory f, CelExpr target, List<CelExpr> args) {
        CelExpr out = args.getLast();
        for (int i = args.size() - 2; i >= 0; i--) {
            CelExpr a = args.get(i);
            CelExpr present = null;
            if (a.exprKind().getKind() == CelExpr.ExprKind.Kind.CALL && a.call().function().equals(Operator.INDEX.getFunction())) {
                present = f.newGlobalCall(Operator.IN.getFunction(), f.copy(a.call().args().get(1)), f.copy(a.call().args().get(0)));
            } else if (a.exprKind().getKind() == CelExpr.ExprKind.Kind.SELECT && !a.select().testOnly()) {
                present = f.newSelect(f.copy(a.select().operand()), a.select().field(), true);
            }
            out = present == null ? a : f.newGlobalCall(Operator.CONDITIONAL.getFunction(), present, a, out);
        }
        return Optional.of(out);
    }

    /**
     * Compiles {@code source} (CEXL: CEL with MOSN's {@code |}) once, at load.
     *
     * @throws ConfigException at {@code path} with CEL's message when it does not parse or type-check
     */
    public static CelRuntime.Program compile(CelCompiler compiler, CelRuntime runtime, String source, String path) {
        CelValidationResult result = compiler.compile(Cexl.toCel(source));
        if (result.hasError()) {
            throw new ConfigException(path, "invalid CEL expression: " + oneLine(result.getErrorString()));
        }
        try {
            CelAbstractSyntaxTree ast = result.getAst();
            return runtime.createProgram(ast);
        } catch (Exception e) {
            throw new ConfigException(path, "invalid CEL expression: " + oneLine(e.getMessage()));
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
}
