package io.mosn4j.protocol.http2;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;

/**
 * HTTP/2 settings of one side of the proxy. Downstream, from the {@code proxy} filter's
 * {@code extend_config} (flat, or under an {@code "Http2"} key as MOSN's per-protocol form has it);
 * upstream, from a cluster's {@code http2_protocol_options}. Field names are Envoy's
 * {@code Http2ProtocolOptions}; {@code http2_use_stream} is MOSN's and accepted for compatibility
 * (mosn4j always streams bodies).
 *
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS offered to the peer
 * @param initialStreamWindowSize per-stream receive window (bytes a paused stream may buffer)
 * @param initialConnectionWindowSize connection receive window
 * @param maxHeaderListSize SETTINGS_MAX_HEADER_LIST_SIZE: larger header blocks are refused
 * @param maxResetsPerWindow RST_STREAM frames a peer may send per {@code resetWindow} before the
 *     connection is closed with GOAWAY ENHANCE_YOUR_CALM (the 2023 "rapid reset" attack)
 * @param resetWindow the window for {@code maxResetsPerWindow}
 * @param maxOutboundControlFrames control frames (PING/SETTINGS acks, RST_STREAM) queued for a
 *     peer that does not read before its connection is closed (the 2019 flood attacks)
 * @param connectionKeepalive upstream only: PING an idle connection every {@code interval}, close
 *     it if no ACK comes within {@code timeout}
 */
public record Http2Options(
        Long maxConcurrentStreams,
        Long initialStreamWindowSize,
        Long initialConnectionWindowSize,
        Long maxHeaderListSize,
        Integer maxResetsPerWindow,
        Duration resetWindow,
        Integer maxOutboundControlFrames,
        Keepalive connectionKeepalive,
        Boolean http2UseStream) {

    /** The spec's initial window, and the least a window may be set to here. */
    public static final long SPEC_WINDOW = 65_535;
    private static final long MAX_WINDOW = Integer.MAX_VALUE;

    public static final Http2Options DEFAULTS = new Http2Options(null, null, null, null, null, null, null, null, null);

    public Http2Options {
        // Go's net/http2 server (MOSN's) offers 250 streams
        maxConcurrentStreams = positive(maxConcurrentStreams, 250L, MAX_WINDOW, "max_concurrent_streams");
        initialStreamWindowSize = window(initialStreamWindowSize, 256 * 1024L, "initial_stream_window_size");
        initialConnectionWindowSize = window(initialConnectionWindowSize, 16 * 1024 * 1024L, "initial_connection_window_size");
        // HTTP/1 takes header blocks up to 60 KiB; HTTP/2 a little more
        maxHeaderListSize = positive(maxHeaderListSize, 64 * 1024L, MAX_WINDOW, "max_header_list_size");
        // Netty's defaults, set here so they are visible and tunable
        maxResetsPerWindow = positive(maxResetsPerWindow == null ? null : maxResetsPerWindow.longValue(), 200L, MAX_WINDOW, "max_resets_per_window").intValue();
        resetWindow = resetWindow == null || resetWindow.isZero() ? Duration.ofSeconds(30) : resetWindow;
        if (resetWindow.isNegative() || resetWindow.toSeconds() < 1) {
            throw new ConfigException("reset_window", "must be at least 1s");
        }
        maxOutboundControlFrames = positive(maxOutboundControlFrames == null ? null : maxOutboundControlFrames.longValue(), 10_000L, MAX_WINDOW,
                "max_outbound_control_frames").intValue();
        connectionKeepalive = connectionKeepalive == null ? Keepalive.DEFAULT : connectionKeepalive;
        http2UseStream = http2UseStream == null || http2UseStream;
    }

    /**
     * PINGs on an upstream connection that has read nothing for {@code interval}; no ACK within
     * {@code timeout} closes it. An interval of 0 turns keepalive off.
     */
    public record Keepalive(Duration interval, Duration timeout) {
        public static final Keepalive DEFAULT = new Keepalive(null, null);

        public Keepalive {
            interval = interval == null ? Duration.ofSeconds(60) : interval;
            timeout = timeout == null || timeout.isZero() ? Duration.ofSeconds(20) : timeout;
            if (interval.isNegative()) {
                throw new ConfigException("interval", "must not be negative");
            }
            if (timeout.isNegative()) {
                throw new ConfigException("timeout", "must not be negative");
            }
        }

        public boolean enabled() {
            return !interval.isZero();
        }
    }

    private static Long window(Long v, long dflt, String field) {
        if (v == null || v == 0) {
            return dflt;
        }
        if (v < SPEC_WINDOW || v > MAX_WINDOW) {
            throw new ConfigException(field, "must be " + SPEC_WINDOW + ".." + MAX_WINDOW + ", got " + v);
        }
        return v;
    }

    private static Long positive(Long v, long dflt, long max, String field) {
        if (v == null || v == 0) {
            return dflt;
        }
        if (v < 0 || v > max) {
            throw new ConfigException(field, "must be 1.." + max + ", got " + v);
        }
        return v;
    }
}
