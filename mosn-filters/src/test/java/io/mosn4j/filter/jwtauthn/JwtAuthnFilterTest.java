package io.mosn4j.filter.jwtauthn;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.filter.FilterHarness;
import java.util.Date;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class JwtAuthnFilterTest {
    private static final RSAKey KEY = generate("k1");
    private static final RSAKey OTHER = generate("k1"); // the same kid, another key
    private static final String JWKS = new JWKSet(KEY.toPublicJWK()).toString().replace("\"", "\\\"");

    /** MOSN's examples/codes/filter/jwtauthn: Istio's test key and a token it signed (expires in 2118). */
    static final String EXAMPLE_JWKS = "{ \\\"keys\\\":[ {\\\"e\\\":\\\"AQAB\\\",\\\"kid\\\":\\\"DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ\\\",\\\"kty\\\":\\\"RSA\\\",\\\"n\\\":\\\"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ\\\"}]}";
    static final String EXAMPLE_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6IkRIRmJwb0lVcXJZOHQyenBBMnFYZkNtcjVWTzVaRXI0UnpIVV8tZW52dlEiLCJ0eXAiOiJKV1QifQ.eyJleHAiOjQ2ODU5ODk3MDAsImZvbyI6ImJhciIsImlhdCI6MTUzMjM4OTcwMCwiaXNzIjoidGVzdGluZ0BzZWN1cmUuaXN0aW8uaW8iLCJzdWIiOiJ0ZXN0aW5nQHNlY3VyZS5pc3Rpby5pbyJ9.CfNnxWP2tcnR9q0vxyxweaF3ovQYHYZl82hAUsn21bwQd9zP7c-LS9qd_vpdLG4Tn1A15NxfCjp5f7QNBUo-KC9PJqYpgGbaXhaGx7bEdFWjcwv3nZzvc7M__ZpaCERdwU7igUmJqYGBYQ51vr2njU9ZimyKkfDe3axcyiBZde7G6dabliUosJvvKOPcKIWPccCgefSj_GNfwIip3-SsFdlR7BtbVUcqR-yv-XOxJ3Uc1MI0tz3uMiiZcyPV7sNCU4KRnemRIMHVOfuvHsU60_GhGbiSFzgPTAa9WTltbnarTbxudb_YEOx12JiwYToeX0DCPb43W1tzIBxgm8NxUg";

    private final JwtAuthnFilterFactory factory = new JwtAuthnFilterFactory();

    static RSAKey generate(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token signed by {@code key}: issuer "issuer-a", audience "svc", valid for an hour, changed by {@code claims}. */
    static String token(RSAKey key, Consumer<JWTClaimsSet.Builder> claims) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer("issuer-a").subject("alice").audience("svc")
                .expirationTime(new Date(System.currentTimeMillis() + 3_600_000)).claim("group", "dev");
        claims.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), b.build());
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

    private static String provider(String extra) {
        return "\"issuer\": \"issuer-a\", \"audiences\": [\"svc\", \"other\"], \"localJwks\": {\"inlineString\": \"" + JWKS + "\"}" + extra;
    }

    private static final String STRICT = "{\"providers\": {\"a\": {" + provider("") + "}}, \"rules\": ["
            + "{\"match\": {\"prefix\": \"/public\"}},"
            + "{\"match\": {\"prefix\": \"/\"}, \"requires\": {\"providerName\": \"a\"}}]}";

    private FilterHarness harness(String json) {
        return new FilterHarness(null).create(factory, config(json));
    }

    private static Headers get(String path, String authorization) {
        Headers h = Headers.request("GET", path, "example.com");
        if (authorization != null) {
            h.add("Authorization", authorization);
        }
        return h;
    }

    /** The reply to {@code h}, or null when it passed. */
    private LocalReply run(String json, Headers h) {
        FilterHarness harness = harness(json);
        FilterStatus s = harness.filter().onRequestHeaders(h, true);
        assertThat(s == FilterStatus.STOP).isEqualTo(harness.reply != null);
        return harness.reply;
    }

    @Test
    void mosnsExampleRejectsABadTokenAndLetsAValidOneAndNoneThrough() {
        String example = """
                {"providers": {"origins-0": {"issuer": "testing@secure.istio.io", "localJwks": {"inlineString": "%s"}}},
                 "rules": [{"match": {"prefix": "/"}, "requires": {"requiresAny": {"requirements": [
                   {"providerName": "origins-0"}, {"allowMissing": {}}]}}}]}""".formatted(EXAMPLE_JWKS);
        LocalReply bad = run(example, get("/", "Bearer token"));
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.body()).isEqualTo(Outcome.BAD_FORMAT.message);
        assertThat(bad.headers().get("www-authenticate")).isEqualTo("Bearer realm=\"http://example.com/\", error=\"invalid_token\"");
        Headers valid = get("/", "Bearer " + EXAMPLE_TOKEN);
        assertThat(run(example, valid)).isNull();
        assertThat(valid.contains("authorization")).as("forward is false: the verified token is removed").isFalse();
        assertThat(run(example, get("/", null))).as("allowMissing").isNull();
    }

    @Test
    void aMissingTokenIs401WithEnvoysChallenge() {
        FilterHarness h = harness(STRICT);
        assertThat(h.phases).containsExactly(ReceiverPhase.BEFORE_ROUTE);
        assertThat(h.filter().onRequestHeaders(get("/api?x=1", null), true)).isEqualTo(FilterStatus.STOP);
        assertThat(h.reply.status()).isEqualTo(401);
        assertThat(h.reply.body()).isEqualTo("Jwt is missing");
        assertThat(h.reply.headers().get("www-authenticate")).isEqualTo("Bearer realm=\"http://example.com/api\"");
        assertThat(h.reply.rpcError()).isNotNull();
    }

    @Test
    void validTokenPassesAndEveryBadOneGetsItsReason() {
        assertThat(run(STRICT, get("/api", "Bearer " + token(c -> {})))).isNull();
        assertThat(run(STRICT, get("/api", "bearer " + token(c -> {})))).as("the prefix ignores case").isNull();
        assertThat(run(STRICT, get("/api", "Bearer " + token(c -> c.expirationTime(new Date(System.currentTimeMillis() - 120_000))))).body())
                .isEqualTo("Jwt is expired");
        assertThat(run(STRICT, get("/api", "Bearer " + token(c -> c.expirationTime(new Date(System.currentTimeMillis() - 30_000))))))
                .as("within the default 60s clock skew").isNull();
        assertThat(run(STRICT, get("/api", "Bearer " + token(c -> c.notBeforeTime(new Date(System.currentTimeMillis() + 600_000))))).body())
                .isEqualTo("Jwt not yet valid");
        assertThat(run(STRICT, get("/api", "Bearer " + token(c -> c.issuer("someone-else")))).body()).isEqualTo("Jwt issuer is not configured");
        assertThat(run(STRICT, get("/api", "Bearer " + token(c -> c.audience("not-us")))).body()).isEqualTo("Audiences in Jwt are not allowed");
        assertThat(run(STRICT, get("/api", "Bearer " + token(c -> c.audience(java.util.List.of("x", "other")))))).as("one audience is enough").isNull();
        assertThat(run(STRICT, get("/api", "Bearer " + token(OTHER, c -> {}))).body()).isEqualTo("Jwt verification fails");
        assertThat(run(STRICT, get("/api", "Bearer " + token(generate("k2"), c -> {}))).body())
                .isEqualTo("Jwks doesn't have key to match kid or alg from Jwt");
        String t = token(c -> {});
        String tampered = t.substring(0, t.indexOf('.') + 1) + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"iss\":\"issuer-a\",\"aud\":\"svc\",\"sub\":\"admin\"}".getBytes()) + t.substring(t.lastIndexOf('.'));
        assertThat(run(STRICT, get("/api", "Bearer " + tampered)).body()).isEqualTo("Jwt verification fails");
        // alg "none" is no signed JWT at all
        String none = "eyJhbGciOiJub25lIn0." + t.split("\\.")[1] + ".";
        assertThat(run(STRICT, get("/api", "Bearer " + none)).status()).isEqualTo(401);
    }

    @Test
    void theTokenMayComeInTheAccessTokenParameter() {
        assertThat(run(STRICT, get("/api?a=b&access_token=" + token(c -> {}) + "&c=d", null))).isNull();
        assertThat(run(STRICT, get("/api?access_token=garbage", null)).status()).isEqualTo(401);
    }

    @Test
    void aRuleWithoutRequirementLetsEverythingThroughAndTheFirstMatchingRuleDecides() {
        assertThat(run(STRICT, get("/public/x", "Bearer garbage"))).isNull();
        assertThat(run(STRICT, get("/publicity", null))).as("a prefix, not a segment").isNull();
        String pathRule = "{\"providers\": {\"a\": {" + provider("") + "}}, \"rules\": [{\"match\": {\"path\": \"/only\"}, \"requires\": {\"providerName\": \"a\"}}]}";
        assertThat(run(pathRule, get("/only?q", null)).status()).isEqualTo(401);
        assertThat(run(pathRule, get("/only/more", null))).as("no rule matches: nothing required").isNull();
        String regexRule = "{\"providers\": {\"a\": {" + provider("") + "}}, \"rules\": [{\"match\": {\"safe_regex\": {\"regex\": \"/v[0-9]+/.*\"}, \"case_sensitive\": false}, \"requires\": {\"provider_name\": \"a\"}}]}";
        assertThat(run(regexRule, get("/V2/x", null)).status()).as("snake_case keys too").isEqualTo(401);
        assertThat(run(regexRule, get("/x", null))).isNull();
    }

    @Test
    void customLocationsForwardPayloadAndClaims() {
        String json = "{\"providers\": {\"a\": {" + provider(", \"fromHeaders\": [{\"name\": \"x-jwt\", \"valuePrefix\": \"Token \"}],"
                + " \"fromParams\": [\"jwt\"], \"forward\": true, \"forwardPayloadHeader\": \"x-jwt-payload\","
                + " \"claimToHeaders\": [{\"headerName\": \"x-sub\", \"claimName\": \"sub\"}, {\"headerName\": \"x-group\", \"claimName\": \"group\"}]")
                + "}}, \"rules\": [{\"match\": {\"prefix\": \"/\"}, \"requires\": {\"providerName\": \"a\"}}]}";
        Headers h = get("/", null);
        String t = token(c -> {});
        h.add("x-jwt", "Token " + t);
        h.add("x-sub", "forged");
        assertThat(run(json, h)).isNull();
        assertThat(h.get("x-jwt")).as("forward keeps it").isEqualTo("Token " + t);
        assertThat(h.get("x-jwt-payload")).isEqualTo(t.split("\\.")[1]);
        assertThat(h.getAll("x-sub")).containsExactly("alice");
        assertThat(h.get("x-group")).isEqualTo("dev");
        assertThat(run(json, get("/", "Bearer " + t)).body()).as("the default places are not looked at").isEqualTo("Jwt is missing");
        assertThat(run(json, get("/?jwt=" + t, null))).isNull();
        Headers forged = get("/public", null);
        forged.add("x-jwt-payload", "eyJzdWIiOiJhZG1pbiJ9");
        String open = json.replace("\"rules\": [", "\"rules\": [{\"match\": {\"prefix\": \"/public\"}},");
        assertThat(run(open, forged)).isNull();
        assertThat(forged.contains("x-jwt-payload")).as("only a verified token sets the payload header").isFalse();
    }

    @Test
    void requiresAllAllowMissingOrFailedAndProviderAndAudiences() {
        RSAKey bKey = generate("b1");
        String bJwks = new JWKSet(bKey.toPublicJWK()).toString().replace("\"", "\\\"");
        String providers = "\"providers\": {\"a\": {" + provider("") + "}, \"b\": {\"issuer\": \"issuer-b\", \"fromHeaders\": [{\"name\": \"x-b\"}],"
                + " \"localJwks\": {\"inlineString\": \"" + bJwks + "\"}}}";
        String all = "{" + providers + ", \"rules\": [{\"match\": {\"prefix\": \"/\"}, \"requires\": {\"requiresAll\": {\"requirements\": ["
                + "{\"providerName\": \"a\"}, {\"providerName\": \"b\"}]}}}]}";
        Headers both = get("/", "Bearer " + token(c -> {}));
        both.add("x-b", token(bKey, c -> c.issuer("issuer-b")));
        assertThat(run(all, both)).isNull();
        assertThat(run(all, get("/", "Bearer " + token(c -> {}))).body()).isEqualTo("Jwt is missing");
        String lax = "{" + providers + ", \"rules\": [{\"match\": {\"prefix\": \"/\"}, \"requires\": {\"allowMissingOrFailed\": {}}}]}";
        assertThat(run(lax, get("/", "Bearer garbage"))).isNull();
        Headers valid = get("/", "Bearer " + token(c -> {}));
        assertThat(run(lax, valid)).isNull();
        assertThat(valid.contains("authorization")).as("a valid token is still taken").isFalse();
        String missing = "{" + providers + ", \"rules\": [{\"match\": {\"prefix\": \"/\"}, \"requires\": {\"allowMissing\": {}}}]}";
        assertThat(run(missing, get("/", null))).isNull();
        assertThat(run(missing, get("/", "Bearer " + token(c -> c.issuer("issuer-b")))).body()).as("a's place, b's issuer")
                .isEqualTo("Jwt issuer is not configured");
        String aud = "{" + providers + ", \"requirementMap\": {\"strict\": {\"providerAndAudiences\": {\"providerName\": \"a\", \"audiences\": [\"admin\"]}}},"
                + " \"rules\": [{\"match\": {\"prefix\": \"/\"}, \"requirementName\": \"strict\"}]}";
        assertThat(run(aud, get("/", "Bearer " + token(c -> {}))).body()).isEqualTo("Audiences in Jwt are not allowed");
        assertThat(run(aud, get("/", "Bearer " + token(c -> c.audience("admin"))))).isNull();
    }

    @Test
    void corsPreflightMayBypass() {
        String json = STRICT.replace("{\"providers\"", "{\"bypassCorsPreflight\": true, \"providers\"");
        Headers preflight = Headers.request("OPTIONS", "/api", "x");
        preflight.add("origin", "https://a.example").add("access-control-request-method", "POST");
        assertThat(run(json, preflight)).isNull();
        Headers again = Headers.request("OPTIONS", "/api", "x");
        again.add("origin", "https://a.example").add("access-control-request-method", "POST");
        assertThat(run(STRICT, again).status()).isEqualTo(401);
    }

    @Test
    void rpcRequestsWithoutAPathMeetTheCatchAllRule() {
        Headers rpc = new Headers();
        rpc.add("service", "svc.echo");
        assertThat(run(STRICT, rpc).status()).isEqualTo(401);
        Headers withToken = new Headers();
        withToken.add("service", "svc.echo").add("authorization", "Bearer " + token(c -> {}));
        assertThat(run(STRICT, withToken)).isNull();
    }

    @Test
    void aCachedTokenStillMeetsEachRequirementsClaimsAndKeys() {
        RSAKey otherKey = generate("k1");
        String otherJwks = new JWKSet(otherKey.toPublicJWK()).toString().replace("\"", "\\\"");
        String json = "{\"providers\": {\"a\": {" + provider("") + "}, \"b\": {\"issuer\": \"issuer-a\", \"localJwks\": {\"inlineString\": \"" + otherJwks
                + "\"}}}, \"requirementMap\": {\"admin\": {\"providerAndAudiences\": {\"providerName\": \"a\", \"audiences\": [\"admin\"]}}},"
                + " \"rules\": [{\"match\": {\"prefix\": \"/admin\"}, \"requirementName\": \"admin\"},"
                + " {\"match\": {\"prefix\": \"/b\"}, \"requires\": {\"providerName\": \"b\"}},"
                + " {\"match\": {\"prefix\": \"/\"}, \"requires\": {\"providerName\": \"a\"}}]}";
        var creator = factory.create(config(json));
        String t = token(c -> {});
        for (int i = 0; i < 3; i++) {
            assertThat(runWith(creator, get("/api", "Bearer " + t))).as("verified, then from the cache").isNull();
        }
        assertThat(runWith(creator, get("/admin", "Bearer " + t)).body()).as("the cache holds the signature, not the verdict")
                .isEqualTo("Audiences in Jwt are not allowed");
        assertThat(runWith(creator, get("/b", "Bearer " + t)).body()).as("b's keys never verified it").isEqualTo("Jwt verification fails");
        assertThat(runWith(creator, get("/api", "Bearer " + t))).isNull();
        for (int i = 0; i < TokenCache.MAX + 50; i++) {
            runWith(creator, get("/api", "Bearer " + t.substring(0, t.length() - 2) + i));
        }
        assertThat(runWith(creator, get("/api", "Bearer " + t))).isNull();
    }

    /** Runs a filter of {@code creator} (one config, one token cache) on {@code h}: its reply, or null when it passed. */
    private static LocalReply runWith(io.mosn4j.api.filter.StreamFilterFactory.Creator creator, Headers h) {
        FilterHarness harness = new FilterHarness(null);
        creator.createFilters(new io.mosn4j.api.filter.StreamFilterChain() {
            @Override
            public void addReceiverFilter(io.mosn4j.api.filter.StreamReceiverFilter filter, ReceiverPhase phase) {
                harness.filters.add(filter);
                filter.setReceiverCallbacks(harness);
            }

            @Override
            public void addSenderFilter(io.mosn4j.api.filter.StreamSenderFilter filter) {
                throw new AssertionError();
            }
        });
        harness.filter().onRequestHeaders(h, true);
        return harness.reply;
    }

    private String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> factory.create(config(json))).getMessage();
    }

    @Test
    void badConfigsAreRefusedNamingTheField() {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(error("{\"rules\": []}")).startsWith(at + "providers: required");
        assertThat(error("{\"providers\": {\"a\": {" + provider("") + "}}, \"rules\": [{\"match\": {\"prefix\": \"/\"}, \"requires\": {\"providerName\": \"b\"}}]}"))
                .startsWith(at + "rules[0].requires.providerName: no provider \"b\"");
        assertThat(error("{\"providers\": {\"a\": {\"issuer\": \"x\", \"localJwks\": {\"inlineString\": \"{}\"}}}}"))
                .startsWith(at + "providers.a.localJwks: ");
        assertThat(error("{\"providers\": {\"a\": {\"issuer\": \"x\"}}}")).startsWith(at + "providers.a: needs exactly one of localJwks, remoteJwks");
        assertThat(error("{\"providers\": {\"a\": {" + provider(", \"subjects\": {\"prefix\": \"spiffe://\"}") + "}}}"))
                .startsWith(at + "providers.a.subjects: not supported");
        assertThat(error("{\"providers\": {\"a\": {" + provider("") + "}}, \"rules\": [{\"match\": {\"prefix\": \"/\", \"headers\": []}}]}"))
                .startsWith(at + "rules[0].match.headers: not a field");
        assertThat(error("{\"providers\": {\"a\": {" + provider("") + "}}, \"rules\": [{\"match\": {\"prefix\": \"/\"}, \"requires\": {\"providerNam\": \"a\"}}]}"))
                .startsWith(at + "rules[0].requires.providerNam: not a field");
        assertThat(error("{\"providers\": {\"a\": {\"remoteJwks\": {\"httpUri\": {\"uri\": \"file:///etc/passwd\"}}}}}"))
                .startsWith(at + "providers.a.remoteJwks.httpUri.uri: required: an http:// or https:// URI");
        assertThat(error("{\"filterStateRules\": {}, \"providers\": {\"a\": {" + provider("") + "}}}"))
                .startsWith(at + "filterStateRules: not supported");
    }
}
