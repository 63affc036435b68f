package io.mosn4j.protocol.dubbo;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.com.caucho.hessian.io.Hessian2Input;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bodies naming classes that exist on the classpath: the proxy reads around them and creates nothing. */
@ExtendWith(LeakCheck.class)
class GadgetTest {
    /** Set by GadgetNeverLoaded's static initializer; named here so the test itself never touches the class. */
    private static final String LOADED = "mosn4j.test.gadget.initialized";

    private final DubboProtocol dubbo = new DubboProtocol();

    private Headers headersOf(byte[] wire) {
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        XFrame f = dubbo.decode(in);
        try {
            Headers h = f.headers();
            h.size(); // decoded on first read: before the frame goes
            return h;
        } finally {
            f.release();
        }
    }

    @Test
    void objectsInArgumentsAndAttachmentsAreNeverInstantiated() throws Exception {
        Map<String, Object> att = new HashMap<>(Samples.attachments());
        att.put("payload", new Gadget("in an attachment"));
        att.put("list", List.of(new Gadget("in a list")));
        byte[] wire = DubboCodecs.encode(DubboCodecs.request(1, "org.example.DemoService", "exec",
                new Class<?>[] {Gadget.class, Object.class},
                new Object[] {new Gadget("rm -rf /"), Map.of("k", new Gadget("nested"))}, att));
        Gadget.created = 0;
        Gadget.resolved = 0;

        Headers h = headersOf(wire);
        assertThat(h.get("service")).isEqualTo("org.example.DemoService");
        assertThat(h.get("method")).isEqualTo("exec");
        assertThat(h.get("group")).isEqualTo("blue");
        assertThat(h.contains("payload")).isFalse();
        assertThat(Gadget.created).isZero();
        assertThat(Gadget.resolved).isZero();

        // the same bytes through a general hessian2 deserializer do bring the gadget to life
        Hessian2Input in = new Hessian2Input(new ByteArrayInputStream(wire, 16, wire.length - 16));
        for (int i = 0; i < 5; i++) {
            in.readString();
        }
        assertThat(in.readObject()).isInstanceOf(Gadget.class);
        assertThat(Gadget.created + Gadget.resolved).isPositive();
    }

    @Test
    void aClassNamedOnlyInTheBodyIsNeverEvenLoaded() throws Exception {
        String name = "io.mosn4j.protocol.dubbo.GadgetNeverLoaded";
        Wire body = Wire.head("org.example.DemoService", null, "exec", "Ljava/lang/Object;")
                .raw('C').str(name).raw(0x91).str("command")     // class definition
                .raw(0x60).str("touch /tmp/pwned")               // an instance of it
                .raw('H').str("group").str("g")
                .str("obj").raw('C').str(name).raw(0x91).str("command").raw(0x61).str("x")
                .raw('Z');
        byte[] wire = Wire.request(2, body.bytes());
        assertThat(System.getProperty(LOADED)).isNull();

        Headers h = headersOf(wire);
        assertThat(h.get("group")).isEqualTo("g");
        assertThat(System.getProperty(LOADED)).isNull();

        // whereas a general hessian2 deserializer loads and initializes it
        Hessian2Input in = new Hessian2Input(new ByteArrayInputStream(wire, 16, wire.length - 16));
        for (int i = 0; i < 5; i++) {
            in.readString();
        }
        Object o = in.readObject();
        assertThat(o.getClass().getName()).isEqualTo(name);
        assertThat(System.getProperty(LOADED)).isEqualTo("true");
    }
}
