package io.mosn4j.api.variable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LineBufferTest {
    @Test
    void textIsWrittenAsUtf8AfterWhatTheLineHolds() {
        for (String text : new String[] {"GET /a 200 1.5ms", "took 449.248µs", "路径 /ü?x=€", "emoji 😀 end", "µs first, last µ", "😀", "a😀", "ü😀ü 1.5µs 2µs", "x".repeat(3000)}) {
            LineBuffer line = new LineBuffer(16);
            line.append("ab").append('\n').append(text);
            byte[] bytes = Arrays.copyOf(line.array(), line.length());
            assertThat(bytes).isEqualTo(("ab\n" + text).getBytes(StandardCharsets.UTF_8));
            assertThat(line.toString()).isEqualTo("ab\n" + text);
        }
    }

    @Test
    void aLoneSurrogateBecomesAQuestionMark() {
        LineBuffer line = new LineBuffer().append("a").append('\ud800').append("b\udc00");
        assertThat(line.toString()).isEqualTo("a?b?");
    }

    @Test
    void numbersAreWrittenAsDecimalDigits() {
        for (long n : new long[] {0, 7, 10, 99, 100, -1, -10, 1_234_567_890_123L, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertThat(new LineBuffer(1).append('[').append(n).append(']').toString()).isEqualTo("[" + n + "]");
        }
    }

    @Test
    void insertMovesTheRestAndSetLengthCutsBack() {
        LineBuffer line = new LineBuffer().append("bc");
        line.insert(0, (byte) 'a');
        line.insert(3, (byte) 'd');
        assertThat(line.toString()).isEqualTo("abcd");
        assertThat(line.byteAt(3)).isEqualTo((byte) 'd');
        line.setLength(2);
        assertThat(line.toString()).isEqualTo("ab");
        assertThatThrownBy(() -> line.setLength(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> line.byteAt(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(new LineBuffer().append((String) null).toString()).isEqualTo("null");
    }
}
