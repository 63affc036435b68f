package io.mosn4j.protocol.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.protocol.TranscoderFactory;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class HttpToBoltTest {
    /** No config: MOSN's {@code type} shorthand. */
    private static final ConfigValue NONE = (ConfigValue) Proxy.newProxyInstance(ConfigValue.class.getClassLoader(),
            new Class<?>[] {ConfigValue.class}, (p, m, a) -> {
                if (m.getName().equals("isMissing")) {
                    return true;
                }
                throw new UnsupportedOperationException(m.getName());
            });

    private final Transcoder transcoder = new HttpToBolt().create(NONE);

    @Test
    void registeredUnderMosnsNames() {
        TranscoderFactory f = ServiceLoader.load(TranscoderFactory.class).findFirst().orElseThrow();
        assertThat(f.name()).isEqualTo("http2bolt_simple");
        assertThat(f.aliases()).contains("Http1_bolt", "Http2_bolt");
        assertThat(transcoder.upstreamProtocol()).isEqualTo("bolt");
        assertThat(transcoder.accepts("Http1")).isTrue();
        assertThat(transcoder.accepts("Http2")).isTrue();
        assertThat(transcoder.accepts("dubbo")).isFalse();
    }

    @Test
    void anHttpRequestBecomesABoltCallWithItsHeadersAndBody() {
        Headers http = Headers.request("POST", "/call?x=1", "example.com:8080");
        http.add("service", "com.example.Echo").add("content-length", "5").add("connection", "keep-alive").add("x-trace", "t1");
        Headers converted = transcoder.request(http, Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
        BoltFrame frame = (BoltFrame) converted.message();
        ByteBuf wire = new BoltProtocol().encode(frame, ByteBufAllocator.DEFAULT);
        try {
            // what a bolt server reads from the wire
            BoltFrame read = (BoltFrame) new BoltProtocol().decode(wire);
            assertThat(read.isRequest()).isTrue();
            assertThat(read.commandCode()).isEqualTo(BoltFrame.CMD_RPC_REQUEST);
            assertThat(read.className()).isEmpty();
            assertThat(read.timeoutMillis()).isEqualTo(-1);
            assertThat(read.headers().get("host")).isEqualTo("example.com:8080");
            assertThat(read.headers().get("service")).isEqualTo("com.example.Echo");
            assertThat(read.headers().get("x-trace")).isEqualTo("t1");
            assertThat(read.headers().contains("content-length")).isFalse();
            assertThat(read.headers().contains("connection")).isFalse();
            assertThat(read.headers().contains(":path")).isFalse();
            assertThat(read.content().toString(StandardCharsets.UTF_8)).isEqualTo("hello");
            read.release();
        } finally {
            wire.release();
            frame.release();
        }
    }

    @Test
    void aBoltResponseBecomesAnHttpResponse() {
        BoltFrame request = (BoltFrame) transcoder.request(Headers.request("GET", "/", "h"), Unpooled.EMPTY_BUFFER).message();
        for (int status : new int[] {BoltStatus.SUCCESS, BoltStatus.SERVER_EXCEPTION}) {
            BoltFrame response = BoltCodec.response(request, BoltFrame.CMD_RPC_RESPONSE, status, false);
            Transcoder.Response r = transcoder.response(response.headers());
            assertThat(r.headers().status()).isEqualTo(status == BoltStatus.SUCCESS ? 200 : 500);
            assertThat(r.body().readableBytes()).isZero();
            r.body().release();
            response.release();
        }
        request.release();
    }
}
