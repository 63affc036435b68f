package io.mosn4j.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AccessLogLineTest {
    @Test
    void linesAreEncodedAsUtf8AfterWhatTheChunkHolds() {
        for (String text : new String[] {"GET /a 200 1.5ms\n", "took 449.248µs\n", "路径 /ü?x=€\n", "emoji 😀 end\n", "µs first, last µ", "😀", "a😀", "ü😀ü 1.5µs 2µs\n", "x".repeat(3000) + "\n"}) {
            AccessLogs.Line line = new AccessLogs.Line();
            line.text.append(text);
            byte[] chunk = new byte[3 + text.length() * 3];
            chunk[0] = 'a';
            chunk[1] = 'b';
            chunk[2] = '\n';
            int end = line.encodeInto(chunk, 3);
            assertThat(new String(Arrays.copyOf(chunk, end), StandardCharsets.UTF_8)).isEqualTo("ab\n" + text);
        }
    }

    @Test
    void aLoneSurrogateBecomesAQuestionMark() {
        AccessLogs.Line line = new AccessLogs.Line();
        line.text.append("a").append('\ud800').append("b");
        byte[] chunk = new byte[16];
        int end = line.encodeInto(chunk, 0);
        assertThat(new String(chunk, 0, end, StandardCharsets.UTF_8)).isEqualTo("a?b");
    }
}
