package io.mosn4j.protocol.http2;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Netty's HTTP/2 codec as mosn4j sets it up on both sides of the proxy: the settings it offers,
 * and the limits that keep a hostile peer from exhausting the proxy (resets, queued
 * control frames, empty frames, header list size).
 */
final class Http2Codecs {
    private Http2Codecs() {}

    /** The SETTINGS the downstream side offers (its limits are set in {@code Http2ServerConnection}'s builder). */
    static Http2Settings serverSettings(Http2Options o) {
        return Http2Settings.defaultSettings()
                .maxConcurrentStreams(o.maxConcurrentStreams())
                .initialWindowSize(o.initialStreamWindowSize().intValue())
                .maxHeaderListSize(o.maxHeaderListSize());
    }

    static Http2FrameCodec client(Http2Options o) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .pushEnabled(false)
                .initialWindowSize(o.initialStreamWindowSize().intValue())
                .maxHeaderListSize(o.maxHeaderListSize());
        return limits(Http2FrameCodecBuilder.forClient(), o).initialSettings(settings).build();
    }

    private static Http2FrameCodecBuilder limits(Http2FrameCodecBuilder b, Http2Options o) {
        return b.autoAckSettingsFrame(true)
                .autoAckPingFrame(true)
                .validateHeaders(true)
                // rapid reset: too many RST_STREAMs from the peer in the window -> GOAWAY ENHANCE_YOUR_CALM
                .decoderEnforceMaxRstFramesPerWindow(o.maxResetsPerWindow(), (int) o.resetWindow().toSeconds())
                // ping / settings / reset floods against a peer that does not read our replies
                .encoderEnforceMaxQueuedControlFrames(o.maxOutboundControlFrames())
                // empty DATA frames cost us work and the peer nothing
                .decoderEnforceMaxConsecutiveEmptyDataFrames(2);
    }

    /**
     * After a paused stream resumes reading, the WINDOW_UPDATEs for what it now consumed are
     * written to the connection but flushed only at the connection's next read, which may never
     * come: the peer is waiting for exactly those updates. Resuming is driven by the other side of
     * the proxy, so flush the connection here, and once more after the reads the resume queued.
     */
    static void flushWindowUpdates(Channel stream) {
        Channel connection = stream.parent();
        connection.flush();
        connection.eventLoop().execute(connection::flush);
    }

    /**
     * Raises the connection receive window to the configured size, once, when the connection is
     * active: enough that a few paused streams do not starve the rest. Counted from the window the
     * codec has now, which is not always the spec's 65,535 bytes.
     */
    static void growConnectionWindow(Channel ch, Http2FrameCodec codec, Http2Options o) {
        int delta = connectionWindowDelta(codec.connection(), o);
        if (delta > 0) {
            ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(delta), ch.voidPromise());
        }
    }

    /** What the connection receive window lacks of the configured size (zero or less: nothing). */
    static int connectionWindowDelta(Http2Connection connection, Http2Options o) {
        int current = connection.local().flowController().windowSize(connection.connectionStream());
        return (int) Math.max(0, o.initialConnectionWindowSize() - current);
    }
}
