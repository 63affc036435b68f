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
    void everyDigitCountIsWrittenRightAtItsEdges() {
        java.util.Random random = new java.util.Random(7);
        long p = 1;
        for (int digits = 1; digits <= 19; digits++, p *= 10) { // p = 10^(digits - 1)
            long last = digits == 19 ? Long.MAX_VALUE : p * 10 - 1;
            for (long n : new long[] {p - 1, p, p + 1, last, p + random.nextLong(last - p + 1)}) {
                assertThat(new LineBuffer(1).append(n).toString()).isEqualTo(Long.toString(n));
                assertThat(new LineBuffer(1).append(-n).toString()).isEqualTo(Long.toString(-n));
            }
        }
        for (long n : new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, Integer.MIN_VALUE, Long.MAX_VALUE - 1}) {
            assertThat(new LineBuffer(1).append(n).toString()).isEqualTo(Long.toString(n));
        }
        for (int i = 0; i < 100_000; i++) {
            long n = random.nextLong() >> random.nextInt(64);
            assertThat(new LineBuffer(1).append(n).toString()).isEqualTo(Long.toString(n));
        }
    }

    @Test
    void bytesOfAnyLengthAreCopiedFromTheirOffset() {
        byte[] source = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
        for (int len = 0; len <= 20; len++) {
            LineBuffer line = new LineBuffer(1).append("<");
            line.append(source, 3, len).append(">");
            assertThat(line.toString()).isEqualTo("<" + new String(source, 3, len, StandardCharsets.US_ASCII) + ">");
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
