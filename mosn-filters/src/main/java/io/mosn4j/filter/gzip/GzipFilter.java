package io.mosn4j.filter.gzip;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.StreamMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * One stream's response compression. The request says whether the client takes gzip (and whether
 * it is a HEAD); the response's headers decide whether this body is compressed: a status with a
 * body, no {@code content-encoding} already, a configured media type, a declared length (if any) at
 * least the minimum, and no {@code cache-control: no-transform}. A compressed response loses its
 * {@code content-length}, gains {@code content-encoding: gzip} and {@code vary: accept-encoding},
 * and a strong {@code etag} becomes weak (the bytes differ). Each body chunk is compressed as it
 * passes; nothing is buffered.
 */
final class GzipFilter implements StreamReceiverFilter, StreamSenderFilter {
    private final GzipConfig config;
    private SenderFilterCallbacks callbacks;
    private boolean accepts;
    private GzipEncoder encoder;

    GzipFilter(GzipConfig config) {
        this.config = config;
    }

    @Override
    public void setSenderCallbacks(SenderFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        accepts = headers.message() == null && !"HEAD".equals(headers.method())
                && AcceptEncoding.allowsGzip(headers.getAll("accept-encoding"));
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus onResponseHeaders(Headers headers, boolean endStream) {
        if (!accepts || endStream || !compressible(headers)) {
            return FilterStatus.CONTINUE;
        }
        headers.remove("content-length");
        headers.set("content-encoding", "gzip");
        String vary = headers.get("vary");
        if (vary == null) {
            headers.set("vary", "accept-encoding");
        } else if (!containsToken(vary, "accept-encoding") && !vary.trim().equals("*")) {
            headers.set("vary", vary + ", accept-encoding");
        }
        String etag = headers.get("etag");
        if (etag != null && etag.startsWith("\"")) {
            headers.set("etag", "W/" + etag);
        }
        encoder = new GzipEncoder(config.level());
        return FilterStatus.CONTINUE;
    }

    private boolean compressible(Headers h) {
        StreamMessage m = h.message();
        int status = m == null ? h.status() : -1;
        if (status < 200 || status == 204 || status == 304) {
            return false;
        }
        String encoding = h.get("content-encoding");
        if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
            return false;
        }
        String type = h.get("content-type");
        if (type == null || !config.contentTypes().contains(GzipConfig.mediaType(type))) {
            return false;
        }
        String length = h.get("content-length");
        if (length != null && config.minLength() > 0) {
            try {
                if (Long.parseLong(length.trim()) < config.minLength()) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false; // the codec judges a bad length; leave the body as it is
            }
        }
        String cacheControl = h.get("cache-control");
        return cacheControl == null || !containsToken(cacheControl, "no-transform");
    }

    @Override
    public FilterStatus onResponseData(ByteBuf data, boolean endStream) {
        if (encoder != null) {
            ByteBuf out = encoder.encode(data.alloc(), data, endStream);
            if (endStream) {
                encoder = null;
            }
            callbacks.replaceData(out);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus onResponseTrailers(Headers trailers) {
        if (encoder != null) {
            ByteBuf out = encoder.encode(ByteBufAllocator.DEFAULT, Unpooled.EMPTY_BUFFER, true);
            encoder = null;
            callbacks.replaceData(out);
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public void onDestroy() {
        if (encoder != null) {
            encoder.close(); // a reset or a local reply mid-body: free zlib's memory now
            encoder = null;
        }
    }

    /** Whether a comma-separated header value holds {@code token} (any case). */
    static boolean containsToken(String value, String token) {
        int from = 0;
        while (from <= value.length()) {
            int comma = value.indexOf(',', from);
            int end = comma < 0 ? value.length() : comma;
            String item = value.substring(from, end).trim();
            int eq = item.indexOf('=');
            if ((eq < 0 ? item : item.substring(0, eq).trim()).equalsIgnoreCase(token)) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            from = comma + 1;
        }
        return false;
    }
}
