package io.mosn4j.stream.http2;

import io.netty.handler.codec.http2.Http2Settings;

/** The HTTP/2 settings mosn4j offers on both sides of the proxy. */
final class Http2Defaults {
    /**
     * Per-stream receive window: what one paused stream may hold in the proxy before its peer
     * must stop (the peer is paced by withheld WINDOW_UPDATEs).
     */
    static final int STREAM_WINDOW = 256 * 1024;
    /** Connection receive window: large enough that a few paused streams do not starve the rest. */
    static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
    /** As Go's net/http2 server (MOSN's) offers. */
    static final long MAX_CONCURRENT_STREAMS = 250;
    /** HTTP/1 takes header blocks up to 60 KiB; HTTP/2 the same. */
    static final long MAX_HEADER_LIST = 64 * 1024;
    /** The spec's initial window, which the connection window starts from. */
    static final int DEFAULT_WINDOW = 65_535;

    private Http2Defaults() {}

    static Http2Settings server() {
        return Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .initialWindowSize(STREAM_WINDOW)
                .maxHeaderListSize(MAX_HEADER_LIST);
    }

    static Http2Settings client() {
        return Http2Settings.defaultSettings()
                .pushEnabled(false)
                .initialWindowSize(STREAM_WINDOW)
                .maxHeaderListSize(MAX_HEADER_LIST);
    }
}
