package io.mosn4j.api.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeaderTokensTest {
    @Test
    void namesMatchWhateverTheCaseOfTheirAsciiLetters() {
        assertThat(HeaderTokens.equalsIgnoreCase("Content-Length", "content-length")).isTrue();
        assertThat(HeaderTokens.equalsIgnoreCase("TRANSFER-ENCODING", "transfer-encoding")).isTrue();
        assertThat(HeaderTokens.equalsIgnoreCase("x-B3-traceid", "X-b3-TraceId")).isTrue();
        assertThat(HeaderTokens.equalsIgnoreCase("te", "te")).isTrue();
        assertThat(HeaderTokens.equalsIgnoreCase("", "")).isTrue();
        String same = "host";
        assertThat(HeaderTokens.equalsIgnoreCase(same, same)).isTrue();
    }

    @Test
    void onlyLettersFoldAndOnlyAsciiOnes() {
        assertThat(HeaderTokens.equalsIgnoreCase("content-length", "content-lengt")).isFalse();
        assertThat(HeaderTokens.equalsIgnoreCase("content-length", "content_length")).isFalse();
        // pairs 0x20 apart that are not letters: '@' and '`', '[' and '{', '-' and CR
        assertThat(HeaderTokens.equalsIgnoreCase("a@b", "a`b")).isFalse();
        assertThat(HeaderTokens.equalsIgnoreCase("a[b", "a{b")).isFalse();
        assertThat(HeaderTokens.equalsIgnoreCase("keep-alive", "keep\ralive")).isFalse();
        // Latin-1 and other letters String.equalsIgnoreCase folds, HTTP does not (RFC 9110 5.1)
        assertThat(HeaderTokens.equalsIgnoreCase("caf\u00e9", "CAF\u00c9")).isFalse();
        assertThat(HeaderTokens.equalsIgnoreCase("keep-alive", "\u212aeep-alive")).isFalse(); // Kelvin sign
        assertThat(HeaderTokens.equalsIgnoreCase("close", "clo\u017fe")).isFalse(); // long s
        assertThat(HeaderTokens.equalsIgnoreCase("host", null)).isFalse();
        assertThat(HeaderTokens.equalsIgnoreCase(null, "host")).isFalse();
    }

    @Test
    void listedTokensIgnoreCaseAndSpaces() {
        assertThat(HeaderTokens.listedIn("close, X-Foo", "x-foo")).isTrue();
        assertThat(HeaderTokens.listedIn("close,x-foo ", "X-FOO")).isTrue();
        assertThat(HeaderTokens.listedIn("close, x-foobar", "x-foo")).isFalse();
        assertThat(HeaderTokens.listedIn("x-fo, x-foo", "x-foo")).isTrue();
        assertThat(HeaderTokens.listedIn("Keep-Alive", "keep-alive")).isTrue();
        assertThat(HeaderTokens.listedIn("\tclose\t,", "close")).isTrue();
        assertThat(HeaderTokens.listedIn(",,close", "close")).isTrue();
        assertThat(HeaderTokens.listedIn("", "close")).isFalse();
        assertThat(HeaderTokens.listedIn("clo se", "close")).isFalse();
        assertThat(HeaderTokens.listedIn("keep-alive", "close")).isFalse();
        assertThat(HeaderTokens.listedIn("\u212aeep-alive", "keep-alive")).isFalse(); // ASCII case only
    }
}
