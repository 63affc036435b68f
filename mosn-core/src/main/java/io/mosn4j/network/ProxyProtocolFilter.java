package io.mosn4j.network;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.AcceptedConnection;
import io.mosn4j.api.network.ListenerFilter;
import io.mosn4j.api.network.ListenerFilterFactory;
import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code proxy_protocol}: the HAProxy PROXY protocol header (v1 text or v2 binary) a load balancer
 * in front of mosn4j sends first on each connection. The header is consumed; the client and
 * destination addresses it carries replace the socket's for everything after it (filter chain
 * choice by {@code destination_port}, {@code ip_access}, access logs, tcp_proxy routes). A
 * connection without a valid header is closed: a listener that expects one cannot trust a client
 * that skips it. {@code LOCAL} (v2) and {@code UNKNOWN} (v1) headers keep the socket's addresses.
 */
public final class ProxyProtocolFilter implements ListenerFilter {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolFilter.class);

    private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** v1's longest header, CRLF included (the spec's 107 bytes). */
    private static final int V1_MAX = 107;
    /** v2: 16 fixed bytes and at most this much address and TLV data, a bound of our own. */
    private static final int V2_MAX_DATA = 4096;

    @Override
    public Status onData(ByteBuf in, AcceptedConnection connection) {
        int n = in.readableBytes();
        if (n == 0) {
            return Status.NEED_MORE_DATA;
        }
        if (startsWith(in, V2)) {
            return n < 16 ? Status.NEED_MORE_DATA : v2(in, connection);
        }
        if (startsWith(in, V1)) {
            return n < V1.length ? Status.NEED_MORE_DATA : v1(in, connection);
        }
        return reject(connection, "no PROXY protocol header");
    }

    @Override
    public int maxBytes() {
        return 16 + V2_MAX_DATA;
    }

    /** Whether {@code in} starts with {@code prefix}, or with as much of it as has arrived. */
    private static boolean startsWith(ByteBuf in, byte[] prefix) {
        int n = Math.min(in.readableBytes(), prefix.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static Status v1(ByteBuf in, AcceptedConnection c) {
        int start = in.readerIndex();
        int end = in.indexOf(start, start + Math.min(in.readableBytes(), V1_MAX), (byte) '\n');
        if (end < 0) {
            return in.readableBytes() >= V1_MAX ? reject(c, "v1 header longer than " + V1_MAX + " bytes") : Status.NEED_MORE_DATA;
        }
        if (end == start || in.getByte(end - 1) != '\r') {
            return reject(c, "v1 header does not end with CRLF");
        }
        String line = in.toString(start, end - 1 - start, StandardCharsets.US_ASCII);
        String[] f = line.split(" ");
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            in.readerIndex(end + 1);
            return Status.CONTINUE;
        }
        if (f.length != 6 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) {
            return reject(c, "malformed v1 header \"" + line + "\"");
        }
        try {
            InetSocketAddress src = new InetSocketAddress(literal(f[2], f[1].equals("TCP6")), port(f[4]));
            InetSocketAddress dst = new InetSocketAddress(literal(f[3], f[1].equals("TCP6")), port(f[5]));
            c.setRemoteAddress(src);
            c.setLocalAddress(dst);
        } catch (IllegalArgumentException e) {
            return reject(c, "malformed v1 header \"" + line + "\": " + e.getMessage());
        }
        in.readerIndex(end + 1);
        return Status.CONTINUE;
    }

    private static Status v2(ByteBuf in, AcceptedConnection c) {
        int start = in.readerIndex();
        int verCmd = in.getUnsignedByte(start + 12);
        int famProto = in.getUnsignedByte(start + 13);
        int length = in.getUnsignedShort(start + 14);
        if (verCmd >> 4 != 2) {
            return reject(c, "v2 header with version " + (verCmd >> 4));
        }
        if (length > V2_MAX_DATA) {
            return reject(c, "v2 header of " + length + " bytes");
        }
        if (in.readableBytes() < 16 + length) {
            return Status.NEED_MORE_DATA;
        }
        int cmd = verCmd & 0x0F;
        int family = famProto >> 4;
        int at = start + 16;
        if (cmd == 1 && (family == 1 || family == 2)) { // PROXY over IPv4 / IPv6
            int size = family == 1 ? 4 : 16;
            if (length < 2 * size + 4) {
                return reject(c, "v2 address block of " + length + " bytes is too short");
            }
            byte[] src = new byte[size];
            byte[] dst = new byte[size];
            in.getBytes(at, src);
            in.getBytes(at + size, dst);
            int srcPort = in.getUnsignedShort(at + 2 * size);
            int dstPort = in.getUnsignedShort(at + 2 * size + 2);
            try {
                c.setRemoteAddress(new InetSocketAddress(InetAddress.getByAddress(src), srcPort));
                c.setLocalAddress(new InetSocketAddress(InetAddress.getByAddress(dst), dstPort));
            } catch (UnknownHostException e) {
                return reject(c, "v2 address: " + e.getMessage());
            }
        } else if (cmd != 0 && cmd != 1) {
            return reject(c, "v2 header with command " + cmd);
        }
        // LOCAL (health checks from the balancer), UNSPEC or unix families: the socket's addresses stay
        in.readerIndex(start + 16 + length);
        return Status.CONTINUE;
    }

    private static InetAddress literal(String s, boolean v6) {
        InetAddress a = InetAddress.ofLiteral(s);
        if ((a.getAddress().length == 16) != v6) {
            throw new IllegalArgumentException("\"" + s + "\" is not an " + (v6 ? "IPv6" : "IPv4") + " address");
        }
        return a;
    }

    private static int port(String s) {
        int p = Integer.parseInt(s);
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port " + s + " out of range");
        }
        return p;
    }

    private static Status reject(AcceptedConnection c, String why) {
        log.info("proxy_protocol: connection from {}: {}; closing it", c.remoteAddress(), why);
        return Status.REJECT;
    }

    @Override
    public String toString() {
        return "proxy_protocol";
    }

    /** Registered as {@code proxy_protocol}; takes no config. */
    public static class Factory implements ListenerFilterFactory {
        @Override
        public String name() {
            return "proxy_protocol";
        }

        @Override
        public ListenerFilter create(ConfigValue config) {
            if (config.isObject() && !config.keys().isEmpty()) {
                throw config.error("", "proxy_protocol takes no config (got " + Arrays.toString(config.keys().toArray()) + ")");
            }
            return new ProxyProtocolFilter();
        }
    }

    /** Envoy's name, as xDS listeners carry it. */
    public static final class EnvoyName extends Factory {
        @Override
        public String name() {
            return "envoy.filters.listener.proxy_protocol";
        }
    }
}
