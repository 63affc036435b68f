package io.mosn4j.protocol.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the HTTP/1.1 server codec hands a response to the connection: a head whose content-length
 * announces a small body is kept back until that body comes and leaves with it as one buffer; a
 * larger body, a body longer than announced, a chunked one, or a body that has not come by the
 * flush leave as before, in order. What the client gets is the same bytes either way.
 */
class Http1ResponseWritesTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private ServerStream stream;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void request() {
        new Http1Codec().installServer(channel, s -> {
            stream = s;
            return new Ignore();
        }, new Context());
        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(stream).as("the request reached the handler").isNotNull();
    }

    private static Headers response(String contentLength) {
        Headers h = Headers.response(200);
        if (contentLength != null) {
            h.add("content-length", contentLength);
        }
        return h;
    }

    private static ByteBuf body(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    /** The buffers written to the connection (after the loop ran its flushes), as text. */
    private List<String> written() {
        channel.runPendingTasks();
        List<String> out = new ArrayList<>();
        for (Object m; (m = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) m;
            if (b.isReadable()) {
                out.add(b.toString(StandardCharsets.US_ASCII));
            }
            b.release();
        }
        return out;
    }

    @Test
    void aSmallBodyLeavesWithItsHeadInOneBuffer() {
        request();
        stream.sendHeaders(response("5"), false);
        stream.sendData(body("hello"), true);
        assertThat(written()).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
    }

    @Test
    void aHeadWhoseBodyHasNotComeLeavesAtTheFlushAndTheBodyAfterIt() {
        request();
        stream.sendHeaders(response("5"), false);
        assertThat(written()).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
        stream.sendData(body("hello"), true);
        assertThat(written()).containsExactly("hello");
    }

    @Test
    void aBodyInPiecesFollowsItsHeadInOrder() {
        request();
        stream.sendHeaders(response("10"), false);
        stream.sendData(body("hello"), false);
        stream.sendData(body("world"), true);
        assertThat(String.join("", written())).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhelloworld");
    }

    @Test
    void aBodyLongerThanTheRoomIsWrittenBehindTheHead() {
        request();
        stream.sendHeaders(response("3"), false);
        stream.sendData(body("more than three"), true);
        assertThat(written()).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n", "more than three");
    }

    @Test
    void aLargeBodyIsNotCopied() {
        request();
        String large = "x".repeat(Http1ServerConnection.SMALL_BODY + 1);
        stream.sendHeaders(response(Integer.toString(large.length())), false);
        stream.sendData(body(large), true);
        assertThat(written()).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: " + large.length() + "\r\n\r\n", large);
    }

    @Test
    void aChunkedBodyIsFramedAsBefore() {
        request();
        stream.sendHeaders(response(null), false);
        stream.sendData(body("abc"), true);
        assertThat(String.join("", written()))
                .isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    }

    @Test
    void aKeptHeadIsReleasedWhenTheConnectionCloses() {
        request();
        stream.sendHeaders(response("5"), false);
        stream.reset(ResetReason.LOCAL_RESET);
        assertThat(channel.isOpen()).isFalse();
        // finishAndReleaseAll (and the build's paranoid leak detection) would report the head had it leaked
        assertThat(written()).isEmpty();
    }

    @Test
    void theContentLengthsKeptBackAreSmallAndWellFormed() {
        assertThat(Http1ServerConnection.smallBody("1")).isEqualTo(1);
        assertThat(Http1ServerConnection.smallBody("1024")).isEqualTo(1024);
        assertThat(Http1ServerConnection.smallBody("1025")).isZero();
        assertThat(Http1ServerConnection.smallBody("0")).isZero();
        assertThat(Http1ServerConnection.smallBody("12a")).isZero();
        assertThat(Http1ServerConnection.smallBody("99999")).isZero();
        assertThat(Http1ServerConnection.smallBody(null)).isZero();
    }

    private static final class Ignore implements StreamReceiver {
        @Override
        public void onHeaders(Headers headers, boolean endStream) {}

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            data.release();
        }

        @Override
        public void onTrailers(Headers trailers) {}

        @Override
        public void onReset(ResetReason reason) {}
    }

    private static final class Context implements ServerContext {
        @Override
        public Object options() {
            return null;
        }

        @Override
        public Duration gracefulTimeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public String listenerName() {
            return "test";
        }
    }
}
