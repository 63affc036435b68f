package io.mosn4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.protocol.XProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's samples still decode with the codecs, and one operation of each benchmark
 * leaves nothing retained; no benchmark runs here.
 */
class SampleFramesTest {
    @ParameterizedTest
    @ValueSource(strings = {"bolt", "boltv2", "dubbo", "tars"})
    void samplesDecodeAndRoundTripsReleaseEverything(String protocol) {
        XProtocol codec = java.util.ServiceLoader.load(XProtocol.class).stream().map(java.util.ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(protocol)).findFirst().orElse(null);
        assertThat(codec).as(protocol).isNotNull();
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        SampleFrames.Sample s = SampleFrames.of(protocol);
        SampleFrames.check(codec, s, alloc);

        ByteBuf request = alloc.directBuffer().writeBytes(s.request());
        ByteBuf response = alloc.directBuffer().writeBytes(s.response());
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(XProtocolCodecBench.requestRoundTrip(codec, request, alloc)).isPositive();
                assertThat(XProtocolCodecBench.responseRoundTrip(codec, response, alloc)).isPositive();
                assertThat(XProtocolCodecBench.requestWithHeaderAdded(codec, request, alloc)).isPositive();
            }
            // the added header is in what the encode wrote
            request.readerIndex(0);
            io.mosn4j.api.protocol.XFrame frame = codec.decode(request);
            frame.headers().add(XProtocolCodecBench.ADDED_NAME, XProtocolCodecBench.ADDED_VALUE);
            ByteBuf out = codec.encode(frame, alloc);
            io.mosn4j.api.protocol.XFrame again = codec.decode(out);
            assertThat(again.headers().get(XProtocolCodecBench.ADDED_NAME)).isEqualTo(XProtocolCodecBench.ADDED_VALUE);
            assertThat(again.headers().get(SampleFrames.SERVICE)).isEqualTo(s.service());
            again.release();
            out.release();
            frame.release();
            assertThat(request.refCnt()).isEqualTo(1);
            assertThat(response.refCnt()).isEqualTo(1);
        } finally {
            request.release();
            response.release();
        }
    }
}
