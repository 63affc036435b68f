package io.mosn4j.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cel.compiler.CelCompiler;
import dev.cel.runtime.CelRuntime;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.stream.Headers;
import org.junit.jupiter.api.Test;

class MosnCelTest {
    private static final CelCompiler COMPILER = MosnCel.compiler().build();
    private static final CelRuntime RUNTIME = MosnCel.runtime().build();

    private static Object eval(String expression, Headers request) throws Exception {
        return MosnCel.compile(COMPILER, RUNTIME, expression, "x").eval(new RequestAttributes(request, null, null, null));
    }

    @Test
    void cexlBarBindsLikeGoAndBecomesPick() {
        assertThat(Cexl.toCel("request.headers[\"dsl\"] | \"empty\" == \"dsl\""))
                .isEqualTo("pick( request.headers [ \"dsl\" ] , \"empty\" ) == \"dsl\"");
        assertThat(Cexl.toCel("a | b | c")).isEqualTo("pick( pick( a , b ) , c )");
        assertThat(Cexl.toCel("f(x | \"|\") && y || z")).isEqualTo("f( pick( x , \"|\" ) ) && y || z");
        assertThat(Cexl.toCel("a || b")).isEqualTo("a || b"); // no single bar: untouched
        assertThat(Cexl.toCel("x + y | z * 2 - 1")).isEqualTo("pick( x + y , z * 2 ) - 1");
    }

    @Test
    void pickTakesTheFirstArgumentThatHasAValue() throws Exception {
        Headers h = Headers.request("GET", "/a?q=1", "dslhost");
        h.add("dsl", "dsl");
        assertThat(eval("request.headers[\"dsl\"] | \"empty\" == \"dsl\"", h)).isEqualTo(true);
        assertThat(eval("request.headers[\"none\"] | \"empty\"", h)).isEqualTo("empty");
        assertThat(eval("request.headers[\"none\"] | request.query_params[\"q\"] | \"x\"", h)).isEqualTo("1");
        assertThat(eval("conditional(request.host == \"dslhost\", \"yes\", \"no\")", h)).isEqualTo("yes");
    }

    @Test
    void headersAreLookedUpInAnyCaseWithoutPseudoHeaders() throws Exception {
        Headers h = Headers.request("GET", "/p", "host").add("X-Tag", "a");
        assertThat(eval("request.headers[\"x-tag\"] == \"a\" && \"X-TAG\" in request.headers", h)).isEqualTo(true);
        assertThat(eval("\":path\" in request.headers", h)).isEqualTo(false);
        assertThat(eval("request.headers.size() == 1 && request.headers.exists(k, k == \"x-tag\")", h)).isEqualTo(true);
        assertThat(eval("size(response.headers) == 0", h)).isEqualTo(true);
    }

    @Test
    void mosnStringFunctionsBothWays() throws Exception {
        Headers h = Headers.request("GET", "/api/v1", "Example.COM");
        assertThat(eval("match(request.path, \"/api/*\") && request.path.match(\"*v1\")", h)).isEqualTo(true);
        assertThat(eval("request.host.toLower() + toUpper(\"a\") + reverse(\"ab\")", h)).isEqualTo("example.comAba");
        assertThat(eval("conditionalString(request.method == \"GET\", \"r\", \"w\")", h)).isEqualTo("r");
        assertThat(eval("string(destination.ip) == \"\"", h)).isEqualTo(true);
    }

    @Test
    void aBadExpressionIsRefusedAtItsPath() {
        assertThatThrownBy(() -> MosnCel.compile(COMPILER, RUNTIME, "request.nope == 1", "a.b"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("a.b: invalid CEL expression");
        assertThatThrownBy(() -> MosnCel.compile(COMPILER, RUNTIME, "request.host ==", "a.b"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("a.b");
    }
}
