package io.mosn4j.protocol.http1;

import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * Netty's header maps for the messages the decoders make, validated as Netty's default ones are,
 * with fewer hash buckets: Netty gives every map 16, and a decoded response makes two (its headers,
 * and the trailers of its last content, empty unless chunked trailers came). The maps are read a
 * few times and copied once into mosn4j's own {@code Headers}; 8 buckets serve a header block of
 * a few dozen fields, 2 the trailers nearly no message has.
 *
 * <p>A header name the decoder took from {@link KnownHeaderNames} is a valid token by construction,
 * so the message maps do not check it again, character by character (~1% of a keep-alive request's
 * CPU); every other name is checked as Netty checks it. Trailers keep Netty's own check, which
 * also refuses names that must not be trailers.
 */
final class SmallHeadersFactory implements HttpHeadersFactory {
    static final SmallHeadersFactory HEADERS = new SmallHeadersFactory(DefaultHttpHeadersFactory.headersFactory(), 8, true);
    static final SmallHeadersFactory TRAILERS = new SmallHeadersFactory(DefaultHttpHeadersFactory.trailersFactory(), 2, false);

    /** A decoder config with these maps for headers and trailers; the caller sets the limits. */
    static HttpDecoderConfig decoderConfig() {
        return new HttpDecoderConfig().setHeadersFactory(HEADERS).setTrailersFactory(TRAILERS);
    }

    private final DefaultHttpHeadersFactory netty;
    private final DefaultHeaders.NameValidator<CharSequence> names;
    private final int buckets;

    private SmallHeadersFactory(DefaultHttpHeadersFactory netty, int buckets, boolean trustKnownNames) {
        this.netty = netty;
        this.buckets = buckets;
        DefaultHeaders.NameValidator<CharSequence> check = netty.getNameValidator();
        this.names = trustKnownNames ? name -> {
            if (!KnownHeaderNames.isShared(name)) {
                check.validateName(name);
            }
        } : check;
    }

    @Override
    public HttpHeaders newHeaders() {
        return new Sized(names, netty.getValueValidator(), buckets);
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
        return netty.newEmptyHeaders();
    }

    /** Netty's map, with its size hint (its constructor that takes one is protected). */
    private static final class Sized extends DefaultHttpHeaders {
        Sized(DefaultHeaders.NameValidator<CharSequence> names, DefaultHeaders.ValueValidator<CharSequence> values, int buckets) {
            super(names, values, buckets);
        }
    }
}
