package io.mosn4j.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a TLS ClientHello at the start of a connection asks for: the server name (SNI) and the ALPN
 * protocols, read without consuming anything. The message may span several handshake records (it
 * is reassembled, up to {@link #MAX_BYTES}).
 */
record ClientHello(String serverName, List<String> alpn) {
    /** The most bytes looked at: a ClientHello is rarely over 2 KiB; post-quantum key shares add about 1.2 KiB. */
    static final int MAX_BYTES = 64 * 1024;

    /** What the first bytes are. */
    sealed interface Result permits NeedMore, NotTls, Tls {}

    /** Too few bytes to tell yet. */
    record NeedMore() implements Result {}

    /** Not a TLS handshake: a plaintext client. */
    record NotTls() implements Result {}

    /** A TLS handshake; {@code hello} is null when its ClientHello cannot be read (the engine will refuse it). */
    record Tls(ClientHello hello) implements Result {}

    private static final NeedMore NEED_MORE = new NeedMore();
    private static final NotTls NOT_TLS = new NotTls();

    /** Looks at {@code in} from its reader index; never moves it. */
    static Result parse(ByteBuf in) {
        int start = in.readerIndex();
        int n = in.readableBytes();
        if (n == 0) {
            return NEED_MORE;
        }
        if (in.getUnsignedByte(start) != 22) { // handshake record
            return NOT_TLS;
        }
        if (n < 3) {
            return NEED_MORE;
        }
        if (in.getUnsignedByte(start + 1) != 3 || in.getUnsignedByte(start + 2) > 4) {
            return NOT_TLS;
        }
        // reassemble the handshake message from the records' fragments
        byte[] msg = null;
        int have = 0;
        int at = start;
        while (true) {
            if (start + n - at < 5) {
                return n >= MAX_BYTES ? new Tls(null) : NEED_MORE;
            }
            if (in.getUnsignedByte(at) != 22) {
                return new Tls(null);
            }
            int len = in.getUnsignedShort(at + 3);
            if (len == 0 || len > 16384 + 2048) {
                return new Tls(null);
            }
            if (start + n - at - 5 < len) {
                return at - start + 5 + len > MAX_BYTES ? new Tls(null) : NEED_MORE;
            }
            if (msg == null) {
                if (len < 4 || in.getUnsignedByte(at + 5) != 1) { // ClientHello
                    return new Tls(null);
                }
                int body = in.getUnsignedMedium(at + 6);
                if (body + 4 > MAX_BYTES) {
                    return new Tls(null);
                }
                msg = new byte[body + 4];
            }
            int take = Math.min(len, msg.length - have);
            in.getBytes(at + 5, msg, have, take);
            have += take;
            at += 5 + len;
            if (have == msg.length) {
                return new Tls(read(msg));
            }
        }
    }

    /** The fields of a whole ClientHello message (its 4-byte header included); null when it is malformed. */
    private static ClientHello read(byte[] m) {
        try {
            int p = 4 + 2 + 32; // header, legacy_version, random
            p += 1 + (m[p] & 0xff); // session id
            p += 2 + u16(m, p); // cipher suites
            p += 1 + (m[p] & 0xff); // compression methods
            if (p == m.length) {
                return new ClientHello(null, List.of());
            }
            int end = p + 2 + u16(m, p);
            p += 2;
            String sni = null;
            List<String> alpn = new ArrayList<>();
            while (p + 4 <= end) {
                int type = u16(m, p);
                int len = u16(m, p + 2);
                int data = p + 4;
                if (data + len > end) {
                    return null;
                }
                if (type == 0) { // server_name
                    int q = data + 2;
                    int listEnd = q + u16(m, data);
                    while (q + 3 <= listEnd) {
                        int nameType = m[q] & 0xff;
                        int nameLen = u16(m, q + 1);
                        if (nameType == 0 && q + 3 + nameLen <= listEnd) {
                            sni = new String(m, q + 3, nameLen, StandardCharsets.US_ASCII);
                            break;
                        }
                        q += 3 + nameLen;
                    }
                } else if (type == 16) { // application_layer_protocol_negotiation
                    int q = data + 2;
                    int listEnd = Math.min(q + u16(m, data), data + len);
                    while (q < listEnd) {
                        int l = m[q] & 0xff;
                        if (q + 1 + l > listEnd) {
                            break;
                        }
                        alpn.add(new String(m, q + 1, l, StandardCharsets.US_ASCII));
                        q += 1 + l;
                    }
                }
                p = data + len;
            }
            return new ClientHello(sni, List.copyOf(alpn));
        } catch (ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    private static int u16(byte[] m, int at) {
        return ((m[at] & 0xff) << 8) | (m[at + 1] & 0xff);
    }
}
