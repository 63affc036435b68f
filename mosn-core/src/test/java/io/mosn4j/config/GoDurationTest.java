package io.mosn4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link GoDuration}: Go's {@code time.ParseDuration} and {@code Duration.String}. */
class GoDurationTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0,          PT0S",
            "-0,         PT0S",
            "1s,         PT1S",
            "500ms,      PT0.5S",
            "1m30s,      PT1M30S",
            "1h,         PT1H",
            "1.5s,       PT1.5S",
            "1.5h,       PT1H30M",
            "1h2m3.5s,   PT1H2M3.5S",
            "2h45m,      PT2H45M",
            "300us,      PT0.0003S",
            "300µs,      PT0.0003S",
            "300μs,      PT0.0003S",
            "2ns,        PT0.000000002S",
            "+5s,        PT5S",
            "-1.5s,      PT-1.5S",
            ".5s,        PT0.5S",
            "1.000000001s, PT1.000000001S",
            "100ms100ms, PT0.2S",
    })
    void parsesGoDurations(String text, Duration expected) {
        assertThat(GoDuration.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10x", "abc", "1", "s", "-", "+", ".", "1..5s", "5S", "1H", "1 s", "1e3s", "ms"})
    void refusesWhatGoRefuses(String text) {
        assertThatThrownBy(() -> GoDuration.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .message().isNotBlank();
    }

    @Test
    void errorMessagesQuoteTheInput() {
        assertThatThrownBy(() -> GoDuration.parse("10x")).hasMessageContaining("\"10x\"");
        assertThatThrownBy(() -> GoDuration.parse("abc")).hasMessageContaining("\"abc\"");
        assertThatThrownBy(() -> GoDuration.parse("15")).hasMessageContaining("\"15\"");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "PT0S,         0s",
            "PT1S,         1s",
            "PT0.5S,       500ms",
            "PT1M30S,      1m30s",
            "PT1H,         1h0m0s",
            "PT1.5S,       1.5s",
            "PT1H2M3.5S,   1h2m3.5s",
            "PT2H45M,      2h45m0s",
            "PT0.000000002S, 2ns",
            "PT-1.5S,      -1.5s",
            "PT1M,         1m0s",
            "PT1.000000001S, 1.000000001s",
    })
    void formatsLikeGo(Duration d, String expected) {
        assertThat(GoDuration.format(d)).isEqualTo(expected);
    }

    /**
     * Go prints sub-second durations with a fraction in the largest fitting unit
     * ({@code 1.5ms}, {@code 2.5µs}), not as a whole number of a smaller unit.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "PT0.0015S,     1.5ms",
            "PT0.0000025S,  2.5µs",
            "PT0.0003S,     300µs",
            "PT0.000001001S, 1.001µs",
    })
    void formatsSubSecondFractionsLikeGo(Duration d, String expected) {
        assertThat(GoDuration.format(d)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "1s", "500ms", "1m30s", "1h0m0s", "1.5s", "1h2m3.5s", "2ns", "-1.5s", "48h0m0s", "59m59.999999999s"})
    void formatOfParseIsIdentityOnGoFormattedStrings(String text) {
        assertThat(GoDuration.format(GoDuration.parse(text))).isEqualTo(text);
    }

    @Test
    void parseOfFormatIsIdentityForRandomDurations() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            // up to 30 days, nanosecond precision, both signs
            long nanos = random.nextLong(-30L * 86_400_000_000_000L, 30L * 86_400_000_000_000L);
            Duration d = Duration.ofNanos(nanos);
            assertThat(GoDuration.parse(GoDuration.format(d))).as("round trip of %s (%s)", d, GoDuration.format(d)).isEqualTo(d);
        }
        for (long nanos : new long[] {1, 999, 1_000, 999_999, 1_000_000, 999_999_999, 1_000_000_000, 59_999_999_999L, 3_599_999_999_999L}) {
            Duration d = Duration.ofNanos(nanos);
            assertThat(GoDuration.parse(GoDuration.format(d))).as("round trip of %s", GoDuration.format(d)).isEqualTo(d);
        }
    }

    /** Go parses every int64 duration exactly; a config dump of a long timeout must read back unchanged. */
    @Test
    void parseOfFormatIsExactForLongDurations() {
        for (long nanos : new long[] {(1L << 53) + 1, 365L * 86_400_000_000_000L + 1, Long.MAX_VALUE - 1, Long.MAX_VALUE}) {
            Duration d = Duration.ofNanos(nanos);
            assertThat(GoDuration.parse(GoDuration.format(d))).as("round trip of %s", GoDuration.format(d)).isEqualTo(d);
        }
        assertThat(GoDuration.parse("9007199254740993ns")).isEqualTo(Duration.ofNanos(9007199254740993L));
    }

    @Test
    void refusesDurationsBeyondInt64Nanoseconds() {
        assertThatThrownBy(() -> GoDuration.parse("2562048h")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoDuration.parse("9223372036854775808ns")).isInstanceOf(IllegalArgumentException.class);
    }
}
