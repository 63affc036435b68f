package io.mosn4j.protocol.dubbo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The body head and attachments: odd but valid shapes are read, each kind of damage is named. */
@ExtendWith(LeakCheck.class)
class RequestHeadersTest {
    private final DubboProtocol dubbo = new DubboProtocol();

    /** The headers of a request with {@code body}. */
    private Headers headers(byte[] body) {
        ByteBuf in = Unpooled.directBuffer().writeBytes(Wire.request(1, body));
        XFrame f = dubbo.decode(in);
        in.release();
        try {
            Headers h = f.headers();
            h.size(); // decoded on first read: before the frame goes
            return h;
        } finally {
            f.release();
            assertThat(in.refCnt()).isZero();
        }
    }

    private void rejects(byte[] body, String message) {
        assertThatThrownBy(() -> headers(body)).isInstanceOf(XProtocolException.class).hasMessage(message);
    }

    /** The frame offset just past the head of {@code Wire.head("s", null, "m", "")}. */
    private static final int HEAD = Wire.head("s", null, "m", "").size() + 16;

    @Test
    void readsAMinimalRequest() {
        Headers h = headers(Wire.head("s", null, "m", "").bytes());
        assertThat(h.get("service")).isEqualTo("s");
        assertThat(h.get("method")).isEqualTo("m");
        assertThat(h.contains("version")).isFalse();
        assertThat(h.get("dubbo")).isEqualTo("2.0.2");
        assertThat(h.size()).isEqualTo(3);
    }

    @Test
    void readsNullAttachmentsAndTypedMaps() {
        assertThat(headers(Wire.head("s", "", "m", "").raw('N').bytes()).get("version")).isEmpty();
        Headers h = headers(Wire.head("s", null, "m", "")
                .raw('M').str("java.util.LinkedHashMap")
                .str("group").str("g").str("k").raw('N').raw(0x91).str("int-key").str("k2").str("v2")
                .raw('Z').bytes());
        assertThat(h.get("group")).isEqualTo("g");
        assertThat(h.contains("k")).isFalse();
        assertThat(h.get("k2")).isEqualTo("v2");
        // a map type given by reference to a type named earlier in the body
        h = headers(Wire.head("s", null, "m", "Ljava/util/List;")
                .raw(0x55).str("java.util.ArrayList").raw('Z')
                .raw('M').raw(0x90).str("group").str("g").raw('Z').bytes());
        assertThat(h.get("group")).isEqualTo("g");
        // anything but a map where the attachments go: no attachments
        h = headers(Wire.head("s", null, "m", "").raw(0x79, 0x91).bytes());
        assertThat(h.size()).isEqualTo(3);
    }

    @Test
    void headFieldsWinOverAttachmentsOfTheSameName() {
        Map<String, Object> att = new LinkedHashMap<>();
        att.put("service", "other");
        att.put("METHOD", "other");
        att.put("version", "9.9");
        att.put("group", "g");
        Headers h = headers(Wire.head("s", "1.0", "m", "").hessian(o -> o.writeObject(att)).bytes());
        assertThat(h.getAll("service")).containsExactly("s");
        assertThat(h.getAll("method")).containsExactly("m");
        assertThat(h.getAll("version")).containsExactly("1.0");
        assertThat(h.get("group")).isEqualTo("g");
    }

    @Test
    void readsChunkedCompactAndFourByteUtf8Strings() {
        String huge = Samples.longString(0x8000 * 2 + 17);
        Headers h = headers(new Wire().str("2.0.2").str(huge).str("x".repeat(500)).str("métho d").str("")
                .raw('H').str("k").hex("04 f0 9f 98 80 61 62").raw('Z').bytes());
        assertThat(h.get("service")).isEqualTo(huge);
        assertThat(h.get("version")).isEqualTo("x".repeat(500));
        assertThat(h.get("method")).isEqualTo("métho d");
        assertThat(h.get("k")).isEqualTo("😀ab"); // a 4-byte sequence counts as two chars
    }

    @Test
    void countsArgumentsFromTheDescriptor() {
        Hessian2Reader in = new Hessian2Reader(Unpooled.EMPTY_BUFFER, 16);
        assertThat(RequestHeaders.argumentCount("", in, 0)).isZero();
        assertThat(RequestHeaders.argumentCount(null, in, 0)).isZero();
        assertThat(RequestHeaders.argumentCount("I", in, 0)).isEqualTo(1);
        assertThat(RequestHeaders.argumentCount("Ljava/lang/String;I[J[[Ljava/lang/Object;ZBCDFSV", in, 0))
                .isEqualTo(11);
        for (String bad : new String[] {"Ljava/lang/String", "X", "[", "I[", "java.lang.String"}) {
            assertThatThrownBy(() -> RequestHeaders.argumentCount(bad, in, 0))
                    .isInstanceOf(XProtocolException.class)
                    .hasMessageStartingWith("dubbo: parameter types descriptor")
                    .hasMessageEndingWith("at offset 16");
        }
    }

    @Test
    void namesTheFieldAndOffsetOfEachKindOfDamage() {
        rejects(new byte[0], "dubbo: body ends inside dubbo version at offset 16");
        rejects(new Wire().raw(0x91).bytes(), "dubbo: hessian2 code 0x91 where a string belongs in dubbo version at offset 16");
        rejects(new Wire().str("2.0.2").raw(0x05, 'a').bytes(), "dubbo: body ends inside service path at offset 24");
        rejects(new Wire().str("2.0.2").str("s").raw('N').raw(0x02, 0xff, 0x41).bytes(),
                "dubbo: bad utf-8 byte 0xff in method name at offset 26");
        rejects(new Wire().str("2.0.2").str("s").raw('N').raw(0x02, 0xc3, 0x41).bytes(),
                "dubbo: bad utf-8 sequence in method name at offset 26");
        rejects(Wire.head("s", null, "m", "Q").bytes(),
                "dubbo: parameter types descriptor \"Q\" has 'Q' at 0 in parameter types at offset 27");
        rejects(Wire.head("s", null, "m", "II").raw(0x91).raw(0x45).bytes(),
                "dubbo: hessian2 code 0x45 where a value belongs in argument 2 at offset " + (HEAD + 3));
        rejects(Wire.head("s", null, "m", "I").raw(0x60).bytes(),
                "dubbo: object of undefined class #0 in argument 1 at offset " + (HEAD + 1));
        rejects(Wire.head("s", null, "m", "I").raw('O', 0x91).bytes(),
                "dubbo: object of undefined class #1 in argument 1 at offset " + (HEAD + 1));
        rejects(Wire.head("s", null, "m", "I").raw(0x72, 0x93).bytes(),
                "dubbo: reference to undefined type #3 in argument 1 at offset " + (HEAD + 2));
        rejects(Wire.head("s", null, "m", "I").raw('X', 0xc7, 0x00).bytes(),
                "dubbo: negative list length -256 in argument 1 at offset " + (HEAD + 2));
        rejects(Wire.head("s", null, "m", "I").raw('C').raw(0x01, 'T', 0x8f).bytes(),
                "dubbo: negative field count -1 in argument 1 at offset " + (HEAD + 2));
        rejects(Wire.head("s", null, "m", "I").raw('C').raw(0x91).bytes(),
                "dubbo: hessian2 code 0x91 where a class name belongs in argument 1 at offset " + (HEAD + 2));
        rejects(Wire.head("s", null, "m", "I").raw('R', 0x00, 0x01, 'a', 0x91).bytes(),
                "dubbo: hessian2 code 0x91 where a string chunk belongs in argument 1 at offset " + (HEAD + 5));
        rejects(Wire.head("s", null, "m", "I").raw('A', 0x00, 0x01, 0x00, 0x91).bytes(),
                "dubbo: hessian2 code 0x91 where a binary chunk belongs in argument 1 at offset " + (HEAD + 5));
        rejects(Wire.head("s", null, "m", "I").raw('V', 0x91).bytes(),
                "dubbo: reference to undefined type #1 in argument 1 at offset " + (HEAD + 2));
        rejects(Wire.head("s", null, "m", "I").raw('X', 'N').bytes(),
                "dubbo: hessian2 code 0x4e where an int belongs in argument 1 at offset " + (HEAD + 2));
        rejects(Wire.head("s", null, "m", "I").raw(0x57, 0x91, 0x92).bytes(),
                "dubbo: body ends inside argument 1 at offset " + (HEAD + 4));
        rejects(Wire.head("s", null, "m", "I").bytes(), "dubbo: body ends inside argument 1 at offset " + (HEAD + 1));
        rejects(Wire.head("s", null, "m", "").raw('H').str("k").bytes(),
                "dubbo: body ends inside attachments at offset " + (HEAD + 3));
        rejects(Wire.head("s", null, "m", "").raw('H').str("k").raw(0x40).raw('Z').bytes(),
                "dubbo: hessian2 code 0x40 where a value belongs in attachments at offset " + (HEAD + 3));
        for (int reserved : new int[] {0x40, 0x45, 0x47, 0x50}) {
            rejects(Wire.head("s", null, "m", "I").raw(reserved).bytes(), "dubbo: hessian2 code 0x"
                    + Integer.toHexString(reserved) + " where a value belongs in argument 1 at offset " + (HEAD + 1));
        }
    }

    @Test
    void capsNestingWithoutRecursing() {
        Wire deep = Wire.head("s", null, "m", "Ljava/lang/Object;");
        for (int i = 0; i < Hessian2Reader.MAX_DEPTH; i++) {
            deep.raw(0x79); // a one-element untyped list holding the next
        }
        deep.raw('N');
        assertThat(headers(deep.raw('H').str("group").str("deep").raw('Z').bytes()).get("group")).isEqualTo("deep");
        Wire deeper = Wire.head("s", null, "m", "Ljava/lang/Object;");
        for (int i = 0; i <= Hessian2Reader.MAX_DEPTH; i++) {
            deeper.raw('W');
        }
        rejects(deeper.bytes(), "dubbo: values nested deeper than 4096 in argument 1 at offset " + (HEAD + 18 + 4096));
    }

    @Test
    void stepsOverHandWrittenValuesOfEveryEncoding() {
        Wire w = Wire.head("s", null, "m", "I".repeat(21))
                .raw(0x38, 0, 0)                       // long, 3 bytes
                .raw(0x59, 0, 0, 0, 1)                 // long as int
                .raw(0x4a, 0, 0, 0, 0, 0, 0, 0, 0)     // date
                .raw(0x4b, 0, 0, 0, 0)                 // date in minutes
                .raw(0x5b).raw(0x5c).raw(0x5d, 1).raw(0x5e, 1, 2).raw(0x5f, 0, 0, 0, 1) // doubles
                .raw('D', 0, 0, 0, 0, 0, 0, 0, 0)
                .raw(0x23, 1, 2, 3)                    // binary, 3 bytes
                .raw(0x34, 0x02, 1, 2)                 // binary, short form
                .raw('A', 0, 1, 9, 0x21, 7)            // chunked binary ending in a short chunk
                .raw('C').str("x.Y").raw(0x92).str("a").str("b").raw(0x60, 0x91, 'N') // class + object
                .raw('O', 0x90, 'T', 'F')              // the same class again
                .raw('Q', 0x90)                        // reference to the object
                .raw('C').str("x.Empty").raw(0x90).raw(0x61) // an object without fields
                .raw(0x70).str("[int").raw(0x78)       // empty typed and untyped fixed lists
                .raw('V', 0x90, 0x92, 0x91, 0x92)      // typed fixed list, type by reference
                .raw('H', 0x91, 'H', 'Z', 'Z');        // a map holding a map
        Headers h = headers(w.raw('H').str("group").str("g").raw('Z').bytes());
        assertThat(h.get("group")).isEqualTo("g");
    }

    @Test
    void aBodyThatCannotBeReadStillFramesAndCanBeAnswered() {
        byte[] body = Wire.head("s", null, "m", "I").raw(0x45).bytes();
        ByteBuf in = Unpooled.directBuffer().writeBytes(Wire.request(31, body)).writeBytes(Wire.request(32,
                Wire.head("next", null, "m", "").bytes()));
        XFrame bad = dubbo.decode(in);
        XFrame good = dubbo.decode(in);
        in.release();
        XProtocolException first = null;
        Headers badHeaders = bad.headers();
        try {
            badHeaders.get("service");
        } catch (XProtocolException e) {
            first = e;
        }
        assertThat(first).isNotNull();
        XProtocolException again = null;
        try {
            bad.headers().size();
        } catch (XProtocolException e) {
            again = e;
        }
        assertThat(again).isSameAs(first);
        XFrame reply = dubbo.errorResponse(bad, ProxyError.DESERIALIZATION, first.getMessage());
        assertThat(reply.status()).isEqualTo(70);
        assertThat(reply.requestId()).isEqualTo(31);
        assertThat(good.headers().get("service")).isEqualTo("next");
        reply.release();
        bad.release();
        good.release();
    }

    @Test
    void takesOnlyStringAttachmentValues() {
        Map<String, Object> att = new LinkedHashMap<>();
        att.put("a", 1);
        att.put("b", List.of("x"));
        att.put("c", null);
        att.put("d", "yes");
        att.put("e", new byte[3]);
        att.put("f", Samples.Pojo.sample(1));
        att.put("g", "also");
        Headers h = headers(Wire.head("s", null, "m", "").hessian(o -> o.writeObject(att)).bytes());
        assertThat(h.get("d")).isEqualTo("yes");
        assertThat(h.get("g")).isEqualTo("also");
        assertThat(h.size()).isEqualTo(5);
    }
}
