package io.mosn4j.protocol.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.Headers;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

class Http2HeaderMappingTest {

    @Test
    void http1RequestBecomesHttp2WithoutConnectionSpecificHeaders() {
        Headers h = Headers.request("POST", "/up?x=1", "example.com:8080");
        h.add("Content-Type", "text/plain").add("Connection", "keep-alive, X-Hop").add("X-Hop", "1")
                .add("Keep-Alive", "timeout=5").add("Transfer-Encoding", "chunked").add("Upgrade", "h2c")
                .add("Proxy-Connection", "keep-alive").add("TE", "gzip").add("Host", "example.com:8080").add("X-End", "yes");
        Http2Headers out = Http2HeaderMapping.requestToHttp2(h);
        assertThat(out.method().toString()).isEqualTo("POST");
        assertThat(out.path().toString()).isEqualTo("/up?x=1");
        assertThat(out.scheme().toString()).isEqualTo("http");
        assertThat(out.authority().toString()).isEqualTo("example.com:8080");
        assertThat(out.get("content-type").toString()).isEqualTo("text/plain");
        assertThat(out.get("x-end").toString()).isEqualTo("yes");
        for (String gone : new String[] {"connection", "x-hop", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "host"}) {
            assertThat(out.contains(gone)).as(gone).isFalse();
        }
        out.forEach(e -> assertThat(e.getKey().toString()).isLowerCase());
    }

    @Test
    void teTrailersSurvives() {
        Headers h = Headers.request("GET", "/", "a");
        h.add("te", "Trailers");
        assertThat(Http2HeaderMapping.requestToHttp2(h).get("te").toString()).isEqualTo("trailers");
    }

    @Test
    void hostWithoutAuthorityBecomesAuthority() {
        Headers h = new Headers().add(Headers.METHOD, "GET").add(Headers.PATH, "/").add("host", "h.example");
        assertThat(Http2HeaderMapping.requestToHttp2(h).authority().toString()).isEqualTo("h.example");
    }

    @Test
    void http2RequestBecomesNeutralWithJoinedCookies() {
        Http2Headers in = new DefaultHttp2Headers().method("GET").path("/p").scheme("http").authority("svc:80");
        in.add("cookie", "a=1").add("cookie", "b=2").add("accept", "*/*").add("host", "other");
        Headers h = Http2HeaderMapping.fromHttp2(in, true);
        assertThat(h.method()).isEqualTo("GET");
        assertThat(h.path()).isEqualTo("/p");
        assertThat(h.authority()).isEqualTo("svc:80");
        assertThat(h.get(Headers.SCHEME)).isEqualTo("http");
        assertThat(h.getAll("cookie")).containsExactly("a=1; b=2");
        assertThat(h.get("accept")).isEqualTo("*/*");
        assertThat(h.contains("host")).isFalse();
    }

    @Test
    void http2HostOnlyRequestGetsAuthority() {
        Http2Headers in = new DefaultHttp2Headers().method("GET").path("/").scheme("http");
        in.add("host", "only-host");
        assertThat(Http2HeaderMapping.fromHttp2(in, true).authority()).isEqualTo("only-host");
    }

    @Test
    void responseStatusAndTrailers() {
        Headers r = Headers.response(404).add("Content-Length", "3").add("Connection", "close");
        Http2Headers out = Http2HeaderMapping.responseToHttp2(r);
        assertThat(out.status().toString()).isEqualTo("404");
        assertThat(out.get("content-length").toString()).isEqualTo("3");
        assertThat(out.contains("connection")).isFalse();
        assertThat(Http2HeaderMapping.responseToHttp2(new Headers()).status().toString()).isEqualTo("502");

        Http2Headers t = Http2HeaderMapping.trailersToHttp2(new Headers().add("Grpc-Status", "0"));
        assertThat(t.get("grpc-status").toString()).isEqualTo("0");
        assertThat(Http2HeaderMapping.trailersFromHttp2(t).get("grpc-status")).isEqualTo("0");
        assertThat(Http2HeaderMapping.fromHttp2(out, false).status()).isEqualTo(404);
    }

    @Test
    void responseNamesAreLowerCaseWhateverTheirSpelling() {
        Headers r = Headers.response(200).add("Content-Type", "text/html").add("ETag", "\"1\"").add("SERVER", "up")
                .add("Set-Cookie", "a=1").add("set-cookie", "b=2").add("WWW-Authenticate", "Basic").add("Content-type", "x")
                .add("X-Custom-Field", "v");
        Http2Headers out = Http2HeaderMapping.responseToHttp2(r);
        assertThat(out.get("content-type").toString()).isEqualTo("text/html");
        assertThat(out.getAll("content-type")).extracting(CharSequence::toString).containsExactly("text/html", "x");
        assertThat(out.get("etag").toString()).isEqualTo("\"1\"");
        assertThat(out.get("server").toString()).isEqualTo("up");
        assertThat(out.getAll("set-cookie")).extracting(CharSequence::toString).containsExactly("a=1", "b=2");
        assertThat(out.get("www-authenticate").toString()).isEqualTo("Basic");
        assertThat(out.get("x-custom-field").toString()).isEqualTo("v");
        assertThat(out.size()).isEqualTo(9); // :status and the eight fields
        out.forEach(e -> assertThat(e.getKey().toString()).isLowerCase());
        Headers back = Http2HeaderMapping.fromHttp2(out, false);
        assertThat(back.get("content-type")).isEqualTo("text/html");
        assertThat(back.name(1)).isEqualTo("content-type");
    }
}
