package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.alipay.remoting.rpc.exception.InvokeServerException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.mosn4j.it.RawHttpClient.RawResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code jwt_authn} stream filter through the real {@code bin/mosn}: MOSN's own
 * examples/codes/filter/jwtauthn run unchanged but for ports (curl, as its README does), then
 * tokens minted here against HTTP/1, HTTP/2 and bolt listeners, and a remote JWKS served by a
 * real HTTP server (cached; a slow one times out without holding the only event loop).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JwtAuthnTest {
    /** examples/codes/filter/jwtauthn/config.json; only the ports (and the admin's 0.0.0.0) changed. */
    static final String EXAMPLE = """
            {
                "disable_upgrade": true,
                "servers": [
                    {
                        "default_log_path": "stdout",
                        "routers": [
                            {
                                "router_config_name": "server_router",
                                "virtual_hosts": [
                                    {
                                        "name": "serverHost",
                                        "domains": [
                                            "*"
                                        ],
                                        "routers": [
                                            {
                                                "match": {
                                                    "prefix": "/"
                                                },
                                                "route": {
                                                    "cluster_name": "serverCluster"
                                                }
                                            }
                                        ]
                                    }
                                ]
                            }
                        ],
                        "listeners": [
                            {
                                "name": "serverListener",
                                "address": "127.0.0.1:${PORT}",
                                "bind_port": true,
                                "filter_chains": [
                                    {
                                        "filters": [
                                            {
                                                "type": "proxy",
                                                "config": {
                                                    "downstream_protocol": "Http1",
                                                    "upstream_protocol": "Http1",
                                                    "router_config_name": "server_router"
                                                }
                                            }
                                        ]
                                    }
                                ],
                                "stream_filters": [
                                    {
                                        "type": "jwt_authn",
                                        "config": {
                                            "providers": {
                                                "origins-0": {
                                                    "issuer": "testing@secure.istio.io",
                                                    "localJwks": {
                                                        "inlineString": "{ \\"keys\\":[ {\\"e\\":\\"AQAB\\",\\"kid\\":\\"DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ\\",\\"kty\\":\\"RSA\\",\\"n\\":\\"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ\\"}]}"
                                                    }
                                                }
                                            },
                                            "rules": [
                                                {
                                                    "match": {
                                                        "prefix": "/"
                                                    },
                                                    "requires": {
                                                        "requiresAny": {
                                                            "requirements": [
                                                                {
                                                                    "providerName": "origins-0"
                                                                },
                                                                {
                                                                    "allowMissing": {}
                                                                }
                                                            ]
                                                        }
                                                    }
                                                }
                                            ]
                                        }
                                    }
                                ]
                            }
                        ]
                    }
                ],
                "cluster_manager": {
                    "clusters": [
                        {
                            "name": "serverCluster",
                            "type": "SIMPLE",
                            "lb_type": "LB_RANDOM",
                            "max_request_per_conn": 1024,
                            "conn_buffer_limit_bytes": 32768,
                            "hosts": [
                                {
                                    "address": "127.0.0.1:${SERVER}"
                                }
                            ]
                        }
                    ]
                },
                "admin": {
                    "address": {
                        "socket_address": {
                            "address": "127.0.0.1",
                            "port_value": ${ADMIN}
                        }
                    }
                }
            }
            """;

    /** The README's valid token (Istio's demo key, expires in 2118). */
    static final String EXAMPLE_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6IkRIRmJwb0lVcXJZOHQyenBBMnFYZkNtcjVWTzVaRXI0UnpIVV8tZW52dlEiLCJ0eXAiOiJKV1QifQ.eyJleHAiOjQ2ODU5ODk3MDAsImZvbyI6ImJhciIsImlhdCI6MTUzMjM4OTcwMCwiaXNzIjoidGVzdGluZ0BzZWN1cmUuaXN0aW8uaW8iLCJzdWIiOiJ0ZXN0aW5nQHNlY3VyZS5pc3Rpby5pbyJ9.CfNnxWP2tcnR9q0vxyxweaF3ovQYHYZl82hAUsn21bwQd9zP7c-LS9qd_vpdLG4Tn1A15NxfCjp5f7QNBUo-KC9PJqYpgGbaXhaGx7bEdFWjcwv3nZzvc7M__ZpaCERdwU7igUmJqYGBYQ51vr2njU9ZimyKkfDe3axcyiBZde7G6dabliUosJvvKOPcKIWPccCgefSj_GNfwIip3-SsFdlR7BtbVUcqR-yv-XOxJ3Uc1MI0tz3uMiiZcyPV7sNCU4KRnemRIMHVOfuvHsU60_GhGbiSFzgPTAa9WTltbnarTbxudb_YEOx12JiwYToeX0DCPb43W1tzIBxgm8NxUg";

    static final String FILTER = """
            {"type": "jwt_authn", "config": {
              "providers": {
                "local": {"issuer": "issuer-a", "audiences": ["svc"], "localJwks": {"inlineString": ${JWKS}},
                          "claimToHeaders": [{"headerName": "x-jwt-sub", "claimName": "sub"}]},
                "remote": {"issuer": "issuer-r", "remoteJwks": {"httpUri": {"uri": "http://127.0.0.1:${JWKS_PORT}/jwks", "cluster": "jwks", "timeout": "2s"},
                                                                 "cacheDuration": "60s"}, "fromHeaders": [{"name": "x-remote-jwt"}]},
                "slow": {"issuer": "issuer-s", "remoteJwks": {"httpUri": {"uri": "http://127.0.0.1:${SLOW_PORT}/jwks", "timeout": "300ms"}},
                         "fromHeaders": [{"name": "x-slow-jwt"}]}
              },
              "rules": [
                {"match": {"prefix": "/public"}},
                {"match": {"prefix": "/remote"}, "requires": {"providerName": "remote"}},
                {"match": {"prefix": "/slow"}, "requires": {"providerName": "slow"}},
                {"match": {"prefix": "/"}, "requires": {"providerName": "local"}}
              ]}}
            """;

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "http",
                  "virtual_hosts": [{"name": "all", "domains": ["*"], "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "echo"}}]}]
                }, {
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "svc.echo"}]}, "route": {"cluster_name": "bolt"}}]}]
                }],
                "listeners": [
                  {"name": "h1", "address": "127.0.0.1:${H1}", "stream_filters": [${FILTER}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "h2", "address": "127.0.0.1:${H2}", "stream_filters": [${FILTER}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}", "stream_filters": [${FILTER}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "echo", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${ECHO}"}]},
                {"name": "bolt", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BOLT_SERVER}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    private static final RSAKey KEY = key("local-1");
    private static final RSAKey REMOTE_KEY = key("remote-1");

    private static NettyHttpBackend exampleServer;
    private static NettyHttpBackend echo;
    private static NettyHttpBackend jwks;
    private static NettyHttpBackend slowJwks;
    private static BoltEchoPeer bolt;
    private static MosnProcess example;
    private static MosnProcess mosn;
    private static final Map<String, Integer> ports = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        bolt = new BoltEchoPeer();
        // as the example's server.go: the request's headers are the body
        exampleServer = NettyHttpBackend.start("server", r -> {
            StringBuilder sb = new StringBuilder();
            r.headers().forEach(e -> sb.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n"));
            return NettyHttpBackend.Response.text(200, sb.toString());
        });
        echo = NettyHttpBackend.start("echo", r -> NettyHttpBackend.Response.text(200,
                "echo " + r.uri() + " sub=" + r.headers().get("x-jwt-sub") + " auth=" + r.headers().get("authorization")));
        String remoteSet = new JWKSet(REMOTE_KEY.toPublicJWK()).toString();
        jwks = NettyHttpBackend.start("jwks", r -> NettyHttpBackend.Response.text(200, remoteSet));
        slowJwks = NettyHttpBackend.start("slow", r -> NettyHttpBackend.Response.text(200, remoteSet).delayed(3000));

        int examplePort = freePort();
        ports.put("EXAMPLE", examplePort);
        example = MosnProcess.builder().config(render(EXAMPLE, vars("PORT", examplePort, "SERVER", exampleServer.port(), "ADMIN", freePort())))
                .waitFor(examplePort).probe(examplePort).start();

        for (String name : List.of("H1", "H2", "BOLT", "ADMIN")) {
            ports.put(name, freePort());
        }
        String jwksJson = "\"" + new JWKSet(KEY.toPublicJWK()).toString().replace("\"", "\\\"") + "\"";
        String filter = render(FILTER, vars("JWKS", jwksJson, "JWKS_PORT", jwks.port(), "SLOW_PORT", slowJwks.port()));
        Map<String, Object> v = vars("ECHO", echo.address(), "BOLT_SERVER", bolt.serverPort, "FILTER", filter);
        v.putAll(ports);
        mosn = MosnProcess.builder().config(render(CONFIG, v)).waitFor(ports.get("H1"), ports.get("H2"), ports.get("BOLT"))
                .probe(ports.get("H1")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (MosnProcess p : new MosnProcess[] {example, mosn}) {
                if (p != null) {
                    Files.writeString(Path.of("target", "JwtAuthnTest-mosn-" + (p == example ? "example" : "main") + ".log"), p.output());
                    assertThat(p.stop()).as("mosn exit code; output:\n%s", p.output()).isZero();
                }
            }
        } finally {
            for (MosnProcess p : new MosnProcess[] {example, mosn}) {
                if (p != null) {
                    p.close();
                }
            }
            if (bolt != null) {
                bolt.close();
            }
            for (NettyHttpBackend b : new NettyHttpBackend[] {exampleServer, echo, jwks, slowJwks}) {
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    static RSAKey key(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String token(RSAKey key, Consumer<JWTClaimsSet.Builder> claims) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer("issuer-a").subject("alice").audience("svc")
                .expirationTime(new Date(System.currentTimeMillis() + 3_600_000));
        claims.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), b.build());
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    static String token(Consumer<JWTClaimsSet.Builder> claims) {
        return token(KEY, claims);
    }

    // ---- MOSN's example, as its README runs it ----

    @Test
    void mosnsJwtauthnExampleAsItsReadmeSays() throws Exception {
        String url = "http://127.0.0.1:" + ports.get("EXAMPLE");
        Curl.Result invalid = Curl.run(url, "-o", "/dev/null", "-H", "Authorization: Bearer token", "-w", "%{http_code}\n");
        assertThat(invalid.stdout()).isEqualTo("401\n");
        Curl.Result none = Curl.run(url, "-o", "/dev/null", "-w", "%{http_code}\n");
        assertThat(none.stdout()).as("no token: allowMissing").isEqualTo("200\n");
        Curl.Result valid = Curl.run(url, "-H", "Authorization: Bearer " + EXAMPLE_TOKEN, "-w", "\n%{http_code}\n");
        assertThat(valid.stdout()).endsWith("\n200\n");
        assertThat(valid.stdout().toLowerCase()).as("the verified token is not forwarded").doesNotContain("authorization");
        Curl.Result why = Curl.run(url, "-i", "-H", "Authorization: Bearer token");
        assertThat(why.stdout()).contains("www-authenticate: Bearer realm=\"http://127.0.0.1:" + ports.get("EXAMPLE") + "/\", error=\"invalid_token\"")
                .endsWith("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections\n");
    }

    // ---- HTTP/1 ----

    @Test
    void http1TokenInTheHeaderOrTheQueryPasses() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("H1"))) {
            RawResponse r = c.send("GET /api/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token(b -> {}) + "\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("echo /api/1 sub=alice auth=null");
            String t = token(b -> {});
            RawResponse q = c.get("/api/2?x=1&access_token=" + t);
            assertThat(q.status()).isEqualTo(200);
            assertThat(q.bodyText()).startsWith("echo /api/2?x=1&access_token=" + t + " sub=alice");
        }
    }

    @Test
    void http1BadTokensAre401WithTheirReason() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("H1"))) {
            RawResponse missing = c.send("GET /api/m HTTP/1.1\r\nHost: x\r\nx-jwt-sub: forged\r\n\r\n").readResponse();
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.bodyText()).isEqualTo("Jwt is missing\n");
            assertThat(missing.header("www-authenticate")).isEqualTo("Bearer realm=\"http://x/api/m\"");
            assertThat(bearer(c, token(b -> b.expirationTime(new Date(System.currentTimeMillis() - 120_000))))).isEqualTo("Jwt is expired\n");
            assertThat(bearer(c, token(b -> b.issuer("issuer-z")))).isEqualTo("Jwt issuer is not configured\n");
            assertThat(bearer(c, token(b -> b.audience("someone-else")))).isEqualTo("Audiences in Jwt are not allowed\n");
            assertThat(bearer(c, token(key("local-1"), b -> {}))).isEqualTo("Jwt verification fails\n");
            assertThat(c.get("/api/after").status()).as("the connection lives on").isEqualTo(401);
        }
        assertThat(echo.seen).noneMatch(r -> r.uri().startsWith("/api/m") || r.uri().startsWith("/api/bad"));
    }

    private static String bearer(RawHttpClient c, String token) throws Exception {
        RawResponse r = c.send("GET /api/bad HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n").readResponse();
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("www-authenticate")).endsWith(", error=\"invalid_token\"");
        return r.bodyText();
    }

    @Test
    void aRuleWithoutRequirementNeedsNoToken() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(ports.get("H1"))) {
            assertThat(c.get("/public/page").status()).isEqualTo(200);
            RawResponse r = c.send("GET /public/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer junk\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
        }
    }

    // ---- remote JWKS ----

    @Test
    void aRemoteJwksIsFetchedOnceAndCached() throws Exception {
        int before = jwks.requests.get();
        try (RawHttpClient c = RawHttpClient.connect(ports.get("H1"))) {
            for (int i = 0; i < 3; i++) {
                RawResponse r = c.send("GET /remote/" + i + " HTTP/1.1\r\nHost: x\r\nx-remote-jwt: "
                        + token(REMOTE_KEY, b -> b.issuer("issuer-r")) + "\r\n\r\n").readResponse();
                assertThat(r.status()).isEqualTo(200);
            }
            RawResponse bad = c.send("GET /remote/bad HTTP/1.1\r\nHost: x\r\nx-remote-jwt: " + token(KEY, b -> b.issuer("issuer-r")) + "\r\n\r\n")
                    .readResponse();
            assertThat(bad.status()).isEqualTo(401);
            assertThat(c.get("/remote/none").status()).isEqualTo(401);
        }
        assertThat(jwks.requests.get() - before).as("fetched at most once (cacheDuration 60s)").isLessThanOrEqualTo(1);
        assertThat(jwks.requests.get()).as("fetched").isEqualTo(1);
        assertThat(jwks.seen).allMatch(r -> r.uri().equals("/jwks"));
    }

    @Test
    void aSlowJwksTimesOutWithoutHoldingTheEventLoop() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<RawResponse> slow = CompletableFuture.supplyAsync(() -> {
            try (RawHttpClient c = RawHttpClient.connect(ports.get("H1"))) {
                return c.send("GET /slow/1 HTTP/1.1\r\nHost: x\r\nx-slow-jwt: " + token(REMOTE_KEY, b -> b.issuer("issuer-s")) + "\r\n\r\n").readResponse();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        // one event loop: a fetch that held it would hold these too
        try (RawHttpClient c = RawHttpClient.connect(ports.get("H1"))) {
            long t = System.nanoTime();
            assertThat(c.get("/public/during").status()).isEqualTo(200);
            assertThat((System.nanoTime() - t) / 1_000_000).isLessThan(250);
        }
        RawResponse r = slow.get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.bodyText()).isEqualTo("Jwks remote fetch is failed\n");
        assertThat((System.nanoTime() - start) / 1_000_000).as("the 300ms timeout, not the server's 3s").isLessThan(2000);
    }

    // ---- HTTP/2 and bolt ----

    @Test
    void http2() throws Exception {
        int port = ports.get("H2");
        try (H2Peers.Client c = new H2Peers.Client(port)) {
            H2Peers.Response missing = c.request(H2Peers.get("/h2/none", port), null, null).get(10, TimeUnit.SECONDS);
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.text()).isEqualTo("Jwt is missing\n");
            assertThat(missing.headers().get("www-authenticate").toString()).isEqualTo("Bearer realm=\"http://127.0.0.1:" + port + "/h2/none\"");
            var withToken = H2Peers.get("/h2/ok", port).add("authorization", "Bearer " + token(b -> {}));
            H2Peers.Response ok = c.request(withToken, null, null).get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.text()).isEqualTo("echo /h2/ok sub=alice auth=null");
        }
    }

    @Test
    void boltCarriesTheTokenInItsHeaders() throws Exception {
        String addr = "127.0.0.1:" + ports.get("BOLT");
        Throwable t = catchThrowable(() -> bolt.call(addr, "svc.echo", BoltEcho.of("jwt-none", "x"), Map.of()));
        assertThat(t).isInstanceOf(InvokeServerException.class);
        assertThat(bolt.call(addr, "svc.echo", BoltEcho.of("jwt-ok", "in"), Map.of("authorization", "Bearer " + token(b -> {})))).isEqualTo("echo:in");
    }

    @Test
    void theAdminShowsTheCounters() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ports.get("ADMIN") + "/stats?filter=jwt_authn")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("http.h1.jwt_authn.allowed: ").contains("http.h1.jwt_authn.denied: ")
                .contains("http.h2.jwt_authn.denied: ").contains("http.h1.jwt_authn.jwks_fetch_success: ");
    }

    @Test
    void aRequirementNamingNoProviderStopsTheStartNamingItsPath() throws Exception {
        String config = """
                {"servers": [{"default_log_path": "stdout",
                  "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                    {"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": "ok"}}]}]}],
                  "listeners": [{"name": "l", "address": "127.0.0.1:%d", "stream_filters": [{"type": "jwt_authn", "config": {
                    "providers": {"a": {"issuer": "i", "remoteJwks": {"httpUri": {"uri": "http://127.0.0.1:1/jwks"}}}},
                    "rules": [{"match": {"prefix": "/"}, "requires": {"providerName": "b"}}]}}],
                    "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "r"}}]}]}]}]}
                """.formatted(freePort());
        Path file = MosnProcess.writeTemp("jwt.json", config);
        MosnProcess.Result r = MosnProcess.run(java.time.Duration.ofSeconds(30), "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderrLines()).hasSize(1);
        assertThat(r.stderrLines().get(0)).contains("servers[0].listeners[0].stream_filters[0].config.rules[0].requires.providerName: no provider \"b\"");
    }


}
