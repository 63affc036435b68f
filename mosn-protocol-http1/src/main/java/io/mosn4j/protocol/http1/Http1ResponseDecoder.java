package io.mosn4j.protocol.http1;

import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The response decoder, told by the connection whether the request in flight was a HEAD (whose
 * response has headers but never a body). It reads the common response heads itself, into neutral
 * headers that keep the fields as the bytes they came in as until something reads them whole
 * ({@link ParsedResponse}, {@link HeadFields}), and leaves every other one to Netty's decoder, which it
 * extends, as {@link Http1RequestDecoder} does for requests: a head read here is one Netty's
 * decoder would take as it is and read the same ({@link HeadReader}), with a status from 200 to 599
 * and a body framed by one plain {@code Content-Length}, or none (a HEAD request's, 204, 304).
 * Informational and 101 responses, chunked bodies, bodies that end with the connection, heads that
 * did not come whole in one read and anything malformed are Netty's decoder's, from their first
 * byte, as before. A response read here is followed by its body as slices of the read buffer, or
 * by the empty last content, as Netty's decoder follows its own.
 */
public final class Http1ResponseDecoder extends HttpResponseDecoder {
    private final int maxChunk;
    private boolean head;
    /** Netty's decoder has the message in progress (or refused one, or switched protocols: then it keeps every byte after). */
    private boolean nettyOwns;
    private boolean keepsNetty;
    /** Bytes still to come of the body of a response read here. */
    private long bodyLeft;
    /** The loop's {@link HeadReader#scratch}, looked up once (a thread-local lookup per head was ~1% of the loops' user time). */
    private HeadReader.Scratch scratch;

    public Http1ResponseDecoder(HttpDecoderConfig config) {
        super(config);
        this.maxChunk = config.getMaxChunkSize();
    }

    void expectHeadResponse(boolean head) {
        this.head = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        return head || super.isContentAlwaysEmpty(msg);
    }

    /** A common name is shared, not decoded again ({@link KnownHeaderNames}). */
    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        AsciiString known = KnownHeaderNames.find(sb, start, length);
        return known != null ? known : super.splitHeaderName(sb, start, length);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (bodyLeft > 0) {
            HttpContent piece = HeadReader.bodyPiece(buffer, bodyLeft, maxChunk);
            if (piece != null) {
                bodyLeft -= piece.content().readableBytes();
                out.add(piece);
            }
            return;
        }
        if (!nettyOwns) {
            if (!buffer.isReadable()) {
                return;
            }
            ParsedResponse response = readHead(buffer);
            if (response != NETTYS) {
                out.add(response);
                long length = head || response.status == 204 || response.status == 304 ? 0 : response.contentLength(0L);
                if (length > 0) {
                    bodyLeft = length;
                    decode(ctx, buffer, out);
                } else {
                    out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                }
                return;
            }
            nettyOwns = true;
        }
        int from = out.size();
        super.decode(ctx, buffer, out);
        for (int i = from, n = out.size(); i < n; i++) {
            Object m = out.get(i);
            if (m instanceof HttpResponse r) {
                // after a refusal Netty's decoder drops every byte; after 101 they are another protocol's
                keepsNetty |= r.decoderResult().isFailure() || r.status().code() == 101;
            }
            if (m instanceof LastHttpContent last) {
                keepsNetty |= last.decoderResult().isFailure();
                nettyOwns = keepsNetty;
            }
        }
    }

    // ---- the heads read here ----

    /** {@link #readHead}: the head is Netty's decoder's to read. */
    private static final ParsedResponse NETTYS = new ParsedResponse(0, false);

    /** The response whose head starts {@code buffer} (its head then consumed), or {@link #NETTYS}. */
    private ParsedResponse readHead(ByteBuf buffer) {
        HeadReader.Scratch s = scratch;
        if (s == null) {
            scratch = s = HeadReader.scratch(); // this decoder runs on its connection's loop only
        }
        int end = HeadReader.copy(buffer, s, false);
        byte[] a = s.bytes;
        int status = end > 0 ? statusLine(a, end, s) : -1;
        if (status < 0 || !HeadReader.fields(a, s.fieldsStart, end, s)) {
            return NETTYS;
        }
        ParsedResponse response = new ParsedResponse(status, s.http10);
        Headers h = null;
        boolean asTheyCame = HeadFields.scan(s, false, response);
        if (!asTheyCame) { // its Connection field names fields to take out
            response = new ParsedResponse(status, s.http10);
            h = new Headers(s.fieldCount + 1);
            h.add(Headers.STATUS, Headers.statusText(status));
            HeadReader.map(a, s, h, false, response);
        }
        // a body that ends with the connection is Netty's decoder's, as is any other framing
        boolean bodiless = head || status == 204 || status == 304;
        if (!HeadReader.plainFraming(response) || (response.contentLength == null && !bodiless)) {
            return NETTYS;
        }
        response.headers = asTheyCame ? Headers.lazy(null, HeadFields.of(s, end, Headers.STATUS, Headers.statusText(status))) : h;
        buffer.skipBytes(end);
        return response;
    }

    /**
     * Reads {@code HTTP/1.x NNN reason}: the status (200 to 599), with where the fields start in
     * {@code s.fieldsStart}; -1 when the line is not read here. The reason phrase is any text
     * without control characters but tabs, and may be missing with its space.
     */
    private static int statusLine(byte[] a, int end, HeadReader.Scratch s) {
        if (end < 16) {
            return -1;
        }
        int i = HeadReader.version(a, 0, s);
        if (i < 0 || a[i] != ' ') {
            return -1;
        }
        int d0 = a[i + 1] - '0';
        int d1 = a[i + 2] - '0';
        int d2 = a[i + 3] - '0';
        if (d0 < 2 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
            return -1;
        }
        i += 4;
        if (a[i] == ' ') {
            byte b;
            while ((b = a[++i]) != '\r') {
                if ((b < ' ' && b != '\t' && b >= 0) || b == 0x7f) {
                    return -1;
                }
            }
        }
        if (a[i] != '\r' || a[i + 1] != '\n') {
            return -1;
        }
        s.fieldsStart = i + 2;
        return d0 * 100 + d1 * 10 + d2;
    }
}
