package io.mosn4j.api.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpRulesTest {
    @Test
    void tcharsAreTheTokenCharactersOnly() {
        for (char c : "azAZ09!#$%&'*+-.^_`|~".toCharArray()) {
            assertThat(HttpRules.isTchar(c)).as("%c", c).isTrue();
        }
        for (int c : new int[] {' ', '\t', ':', '"', '(', ')', ',', '/', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}',
                0, 0x1f, 0x7f, 0x80, 0xe9, -1, (byte) 0xe9}) {
            assertThat(HttpRules.isTchar(c)).as("0x%x", c).isFalse();
        }
    }


    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PURGE", "M-SEARCH", "PROPFIND", "X_CUSTOM!"})
    void tokensInUpperCaseAreMethods(String method) {
        assertThat(HttpRules.methodError(method)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "GE T", "GET\t", "G\rET", "get", "Get", "GET/1", "GE(T", "G\u00e9T", "GET\u0000"})
    void othersAreNot(String method) {
        assertThat(HttpRules.methodError(method)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/a/b?c=d&e", "//double", "/%20/\u00e9", "/a#frag"})
    void originFormTargets(String path) {
        assertThat(HttpRules.targetError("GET", path)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "http://other.example/admin", "/a b", "/a\tb", "/a\r\nX: y", "/a\u0000", "/a\u007f", "*"})
    void otherTargetsAreRefused(String path) {
        assertThat(HttpRules.targetError("GET", path)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*"})
    void asteriskIsForOptions(String path) {
        assertThat(HttpRules.targetError("OPTIONS", path)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "example.com:8080", "[::1]:80", "127.0.0.1", "", "user@host"})
    void authorities(String authority) {
        assertThat(HttpRules.authorityError(authority)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "evil.com/admin", "a?b", "a#b", "a\\b", "a\tb", "a\u007f"})
    void notAuthorities(String authority) {
        assertThat(HttpRules.authorityError(authority)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb", "a\nb", "a\u0000b"})
    void fieldValuesWithoutLineBreaksOrNul(String value) {
        assertThat(HttpRules.isValidFieldValue(value)).isFalse();
        assertThat(HttpRules.isValidFieldValue("a\tb c\u00ff")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Host", "authorization", "Content-Length", "transfer-encoding", "TE", "trailer", "cookie", "Set-Cookie",
            "proxy-authorization", "content-type", ":path", "www-authenticate", "expect", "max-forwards", "range", "cache-control"})
    void forbiddenTrailers(String name) {
        assertThat(HttpRules.isForbiddenTrailer(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc-status", "grpc-message", "x-checksum", "server-timing", "etag", "x-host"})
    void allowedTrailers(String name) {
        assertThat(HttpRules.isForbiddenTrailer(name)).isFalse();
    }
}
