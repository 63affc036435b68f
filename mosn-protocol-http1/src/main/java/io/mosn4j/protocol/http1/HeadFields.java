package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;
import io.netty.util.AsciiString;
import java.util.Arrays;

/**
 * The fields of a message head a decoder read itself ({@link Http1RequestDecoder},
 * {@link Http1ResponseDecoder}), kept as the bytes they came in as: the loader of the message's
 * {@linkplain Headers#lazy lazy} headers. A plain proxied message's way reads its pseudo-headers
 * (method, path, authority; status) and perhaps a field or two by name, which are
 * {@linkplain #peek peeked} one at a time, so no string is made per field; the HTTP/1 writer copies
 * the fields that travel on to the other side's head as they are ({@link #write}), in runs of whole
 * lines. Whatever reads the block as a whole (a filter, HTTP/2 on the other side, a route's header
 * changes) has it mapped as {@link Http1Headers} maps any message: the same entries in the same order.
 */
final class HeadFields implements Headers.Loader {
    /**
     * The head's bytes, from its first byte to the empty line that ends it, then where its fields
     * are: per field its name's start and end and its value's start and end, each as two bytes
     * (big-endian; a head is at most {@link HeadReader#HEAD_MAX} bytes). One array, not a second
     * for the positions: the head is copied out of every message a decoder reads.
     */
    private final byte[] head;
    /** Where the positions start in {@link #head}: the head's length. */
    private final int fields;
    private final int count;
    /** A bit per field that does not travel on (hop-by-hop, or framing this proxy writes itself). */
    private final long dropped;
    /** A bit per {@code Content-Length} field (dropped where the other side's framing has none). */
    private final long lengths;
    /** The pseudo-headers the block starts with: name, value, name, value... (names are Headers' constants). */
    private final String[] pseudo;

    private HeadFields(byte[] head, int fields, int count, long dropped, long lengths, String[] pseudo) {
        this.head = head;
        this.fields = fields;
        this.count = count;
        this.dropped = dropped;
        this.lengths = lengths;
        this.pseudo = pseudo;
    }

    /**
     * Notes in {@code framing} what the fields {@link HeadReader#fields} found in {@code s} say
     * about framing, and which of them travel on ({@code s.dropped}, {@code s.lengths}); false when
     * the head's {@code Connection} field names other fields to take out: that rare head is mapped
     * the usual way ({@link HeadReader#map}).
     */
    static boolean scan(HeadReader.Scratch s, boolean request, Http1Headers.Framing framing) {
        byte[] a = s.bytes;
        int[] f = s.fields;
        long dropped = 0;
        long lengths = 0;
        for (int k = 0, count = s.fieldCount; k < count; k++) {
            int ns = f[k * 4];
            int kind = Http1Headers.kind(a, ns, f[k * 4 + 1] - ns);
            if (kind == Http1Headers.OTHER) {
                continue;
            }
            int vs = f[k * 4 + 2];
            int ve = f[k * 4 + 3];
            String value = kind == Http1Headers.HOST ? null // counted, never read (the authority is read apart)
                    : kind == Http1Headers.CONNECTION ? Http1Headers.connectionValue(a, vs, ve) : HeadReader.string(a, vs, ve);
            if (!Http1Headers.note(kind, value, request, framing)) {
                dropped |= 1L << k;
            }
            if (kind == Http1Headers.CONTENT_LENGTH) {
                lengths |= 1L << k;
            }
        }
        s.dropped = dropped;
        s.lengths = lengths;
        return !Http1Headers.readConnection(framing);
    }

    /**
     * The fields {@link #scan} went through, in a head of {@code end} bytes, copied out of
     * {@code s}; the block's pseudo-headers come first: {@code pseudo} is names and values in turn.
     */
    static HeadFields of(HeadReader.Scratch s, int end, String... pseudo) {
        int count = s.fieldCount;
        byte[] head = Arrays.copyOf(s.bytes, end + count * 8);
        int[] f = s.fields;
        for (int i = 0, n = count * 4, at = end; i < n; i++, at += 2) {
            head[at] = (byte) (f[i] >>> 8);
            head[at + 1] = (byte) f[i];
        }
        return new HeadFields(head, end, count, s.dropped, s.lengths, pseudo);
    }

    /** Position {@code i} of the fields' (four per field, as {@link HeadReader.Scratch#fields} has them). */
    private int at(int i) {
        int p = fields + i * 2;
        return (head[p] & 0xff) << 8 | head[p + 1] & 0xff;
    }

    /** The entries {@link HeadReader#map} would have made of the head: the pseudo-headers, then the fields that travel on. */
    @Override
    public void load(Headers into) {
        into.ensureCapacity(count + pseudo.length / 2);
        for (int i = 0; i < pseudo.length; i += 2) {
            into.add(pseudo[i], pseudo[i + 1]);
        }
        byte[] a = head;
        for (int k = 0; k < count; k++) {
            if ((dropped & 1L << k) == 0) {
                int ns = at(k * 4);
                int nl = at(k * 4 + 1) - ns;
                AsciiString known = KnownHeaderNames.find(a, ns, nl);
                into.add(known != null ? known.toString() : HeadReader.string(a, ns, ns + nl),
                        HeadReader.string(a, at(k * 4 + 2), at(k * 4 + 3)));
            }
        }
    }

    /**
     * The first value of {@code name} among the entries {@link #load} makes, read from the bytes:
     * one string, for the one field asked for. A name of the same length as a field's with a char
     * beyond ASCII is left to the loaded block ({@code String.equalsIgnoreCase}, which it uses,
     * folds some of those to ASCII letters), as is a pseudo-header asked for by another string than
     * {@code Headers}' constant.
     */
    @Override
    public String peek(Headers block, String name) {
        String[] p = pseudo;
        for (int i = 0; i < p.length; i += 2) {
            if (p[i] == name) {
                return p[i + 1];
            }
        }
        if (name == Headers.METHOD || name == Headers.PATH || name == Headers.AUTHORITY || name == Headers.SCHEME || name == Headers.STATUS) {
            return null; // not one of this block's (a request without Host has no authority)
        }
        int n = name.length();
        if (n > 0 && name.charAt(0) == ':') {
            return NO_PEEK;
        }
        byte[] a = head;
        for (int k = 0; k < count; k++) {
            int ns = at(k * 4);
            if (at(k * 4 + 1) - ns == n && (dropped & 1L << k) == 0) {
                int same = sameName(a, ns, name);
                if (same > 0) {
                    return HeadReader.string(a, at(k * 4 + 2), at(k * 4 + 3));
                }
                if (same < 0) {
                    return NO_PEEK;
                }
            }
        }
        return null;
    }

    /** 1 when the name at {@code a[start]} is {@code name} ignoring ASCII case; 0 when not; -1 when {@code name} is not ASCII. */
    private static int sameName(byte[] a, int start, String name) {
        for (int i = 0, n = name.length(); i < n; i++) {
            int b = a[start + i];
            int c = name.charAt(i);
            if (b != c) {
                if (c > 0x7f) {
                    return -1;
                }
                int lower = b | 0x20;
                if (lower != (c | 0x20) || lower < 'a' || lower > 'z') {
                    return 0;
                }
            }
        }
        return 1;
    }

    /**
     * Writes the fields that travel on to {@code out}, each as {@code name: value CRLF}, as the
     * writer writes an entry; with {@code dropLength}, without the {@code Content-Length} fields.
     * A field already written that way on the wire (one space after the colon, none after the
     * value) is copied with its neighbours in one run.
     */
    void write(Http1Wire.Head out, boolean dropLength) {
        byte[] a = head;
        long skip = dropLength ? dropped | lengths : dropped;
        int runStart = 0;
        int runEnd = -1;
        for (int k = 0; k < count; k++) {
            if ((skip & 1L << k) != 0) {
                continue;
            }
            int ns = at(k * 4);
            int ne = at(k * 4 + 1);
            int vs = at(k * 4 + 2);
            int ve = at(k * 4 + 3);
            if (vs == ne + 2 && a[ne + 1] == ' ' && a[ve] == '\r') {
                if (ns != runEnd) {
                    out.bytes(a, runStart, runEnd);
                    runStart = ns;
                }
                runEnd = ve + 2;
            } else {
                out.bytes(a, runStart, runEnd);
                runEnd = -1;
                out.bytes(a, ns, ne);
                out.ascii(": ");
                out.bytes(a, vs, ve);
                out.ascii("\r\n");
            }
        }
        out.bytes(a, runStart, runEnd);
    }
}
