package io.mosn4j.variable;

import io.mosn4j.api.variable.LineBuffer;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Text of values access logs print on every request, kept per thread so that a keep-alive
 * connection's addresses and the current second's time are formatted once, not per request.
 * Per thread (an event loop): no locks.
 */
final class Texts {
    /** MOSN's access log time format, to the second; the milliseconds are appended. */
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final int SLOTS = 1024; // 512 sets of two: a loop's connections, both sides

    private static final FastThreadLocal<Texts> LOCAL = new FastThreadLocal<>() {
        @Override
        protected Texts initialValue() {
            return new Texts();
        }
    };

    private final SocketAddress[] keys = new SocketAddress[SLOTS];
    private final byte[][] values = new byte[SLOTS][];
    private long second = Long.MIN_VALUE;
    private byte[] secondText;

    static Texts get() {
        return LOCAL.get();
    }

    /**
     * {@code a} as {@code ip:port} in UTF-8; the same address object (a connection's) is formatted
     * once. Two ways per set: two busy connections whose addresses share a slot do not take turns
     * formatting.
     */
    byte[] address(SocketAddress a) {
        int slot = System.identityHashCode(a) & (SLOTS - 2);
        if (keys[slot] == a) {
            return values[slot];
        }
        if (keys[slot + 1] == a) {
            return values[slot + 1];
        }
        byte[] text = format(a).getBytes(StandardCharsets.UTF_8);
        keys[slot + 1] = keys[slot];
        values[slot + 1] = values[slot];
        keys[slot] = a;
        values[slot] = text;
        return text;
    }

    static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress() == null ? i.getHostString() + ":" + i.getPort() : i.getAddress().getHostAddress() + ":" + i.getPort();
        }
        return a.toString();
    }

    /** Appends {@code millis} as MOSN does: {@code 2006/01/02 15:04:05.000}, local time. */
    void appendTime(LineBuffer out, long millis) {
        long s = Math.floorDiv(millis, 1000);
        if (s != second) {
            secondText = SECONDS.format(Instant.ofEpochSecond(s)).getBytes(StandardCharsets.UTF_8);
            second = s;
        }
        int ms = (int) Math.floorMod(millis, 1000);
        out.append(secondText).append('.').append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10));
    }
}
