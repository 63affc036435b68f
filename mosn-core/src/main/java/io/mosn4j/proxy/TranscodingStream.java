package io.mosn4j.proxy;

import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream on an upstream connection of another protocol than the client's, converted by a
 * {@link Transcoder}: the request's headers and body are gathered (at most {@code limit} bytes of
 * body) and sent as one frame once whole; the upstream's response comes back as the client's
 * protocol's headers and body. What cannot be converted is answered here in the client's terms
 * (400 for a request the upstream protocol cannot carry, 413 for a body over the limit, 502 for a
 * response that does not convert). Lives on the stream's event loop.
 */
final class TranscodingStream implements StreamSender, StreamReceiver {
    private static final Logger log = LoggerFactory.getLogger(TranscodingStream.class);

    private final Transcoder transcoder;
    private final StreamReceiver client;
    private final StreamSender upstream;
    private final int limit;
    private Headers headers;
    private CompositeByteBuf body;
    /** The frame this stream built: released once the exchange is over. */
    private Headers converted;
    private boolean done;

    TranscodingStream(ClientConnection connection, Transcoder transcoder, StreamReceiver client, int limit) {
        this.transcoder = transcoder;
        this.client = client;
        this.limit = limit;
        this.upstream = connection.newStream(this);
    }

    // ---- the request, from the proxy ----

    @Override
    public void sendHeaders(Headers headers, boolean endStream) {
        this.headers = headers;
        if (endStream) {
            send();
        }
    }

    @Override
    public void sendData(ByteBuf data, boolean endStream) {
        if (done) {
            data.release();
            return;
        }
        if (body == null) {
            body = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        }
        body.addComponent(true, data);
        if (body.readableBytes() > limit) {
            answer(413, "request body over " + limit + " bytes: too large to transcode");
            upstream.reset(ResetReason.LOCAL_RESET);
            return;
        }
        if (endStream) {
            send();
        }
    }

    @Override
    public void sendTrailers(Headers trailers) {
        send(); // the upstream protocol's frame has no trailers
    }

    private void send() {
        if (done || headers == null) {
            return;
        }
        ByteBuf b = body == null ? Unpooled.EMPTY_BUFFER : body;
        body = null;
        try {
            converted = transcoder.request(headers, b);
        } catch (RuntimeException e) {
            log.info("cannot transcode a request to {}: {}", transcoder.upstreamProtocol(), e.getMessage());
            answer(400, "cannot transcode the request to " + transcoder.upstreamProtocol() + ": " + e.getMessage());
            upstream.reset(ResetReason.LOCAL_RESET);
            return;
        }
        upstream.sendHeaders(converted, true);
    }

    @Override
    public void reset(ResetReason reason) {
        if (!done) {
            upstream.reset(reason);
        }
        end();
    }

    @Override
    public void readDisable(boolean disable) {
        upstream.readDisable(disable);
    }

    @Override
    public boolean isWritable() {
        return upstream.isWritable();
    }

    // ---- the response, from the upstream ----

    @Override
    public void onHeaders(Headers response, boolean endStream) {
        if (done) {
            response.releaseMessage();
            return;
        }
        Transcoder.Response r;
        try {
            r = transcoder.response(response);
        } catch (RuntimeException e) {
            log.info("cannot transcode a {} response: {}", transcoder.upstreamProtocol(), e.getMessage());
            response.releaseMessage();
            answer(502, "cannot transcode the " + transcoder.upstreamProtocol() + " response");
            return;
        }
        response.releaseMessage();
        end();
        boolean empty = !r.body().isReadable();
        client.onHeaders(r.headers(), empty);
        if (empty) {
            r.body().release();
        } else {
            client.onData(r.body(), true);
        }
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        data.release(); // an RPC response is one frame: nothing follows its headers
    }

    @Override
    public void onTrailers(Headers trailers) {}

    @Override
    public void onReset(ResetReason reason) {
        if (!done) {
            end();
            client.onReset(reason);
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        client.onWritabilityChanged(writable);
    }

    /** Answers the client from here, in its protocol (the proxy's filters still see it). */
    private void answer(int status, String message) {
        end();
        Headers h = Headers.response(status);
        h.add("content-type", "text/plain");
        client.onHeaders(h, false);
        client.onData(Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8), true);
    }

    private void end() {
        if (done) {
            return;
        }
        done = true;
        if (body != null) {
            body.release();
            body = null;
        }
        if (converted != null) {
            converted.releaseMessage();
            converted = null;
        }
    }
}
