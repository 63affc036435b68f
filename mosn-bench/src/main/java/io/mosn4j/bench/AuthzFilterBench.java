package io.mosn4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterChain;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.network.PeerIdentity;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.filter.jwtauthn.JwtAuthnFilterFactory;
import io.mosn4j.filter.rbac.RbacFilterFactory;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request cost of the access-control stream filters (issue 13): one stream's filter made
 * by the factory's creator and run on a request's headers, as the proxy does. {@code jwt_authn}
 * with a valid RS256 (2048-bit) token in {@code Authorization} (forwarded, so the headers stay the
 * same): the same token again (its signature verified once, then found in the filter's token
 * cache) and a new token each time (more than the cache holds, in turn: each signature checked);
 * and a request without one under Istio's {@code requiresAny [provider, allowMissing]};
 * {@code rbac} with an Istio-shaped ALLOW policy set (three policies: method and path, a header,
 * the peer's range), allowed by the last policy and refused by all; and Istio's mTLS policy
 * ({@code source.principals}: three SPIFFE ids, the client's the last) on a connection whose
 * client certificate's names were read once, as the listener's TLS keeps them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class AuthzFilterBench {
    StreamFilterFactory.Creator jwt;
    StreamFilterFactory.Creator rbac;
    Headers withToken;
    /** More distinct tokens than the filter's cache holds, in turn: each one's signature is checked. */
    Headers[] newTokens;
    int next;
    Headers noToken;
    Headers rbacAllowed;
    Headers rbacDenied;
    StreamFilterFactory.Creator rbacMtls;
    final Callbacks callbacks = new Callbacks();
    final Callbacks mtlsCallbacks = new Callbacks();

    @Setup
    public void setUp() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        String jwks = new JWKSet(key.toPublicJWK()).toString();
        var m = ConfigLoader.mapper();
        var jwtConfig = m.createObjectNode();
        var p = jwtConfig.putObject("providers").putObject("origins-0").put("issuer", "issuer-a").put("forward", true);
        p.putArray("audiences").add("svc");
        p.putObject("localJwks").put("inlineString", jwks);
        jwtConfig.set("rules", m.readTree("""
                [{"match": {"prefix": "/"}, "requires": {"requiresAny": {"requirements": [{"providerName": "origins-0"}, {"allowMissing": {}}]}}}]"""));
        jwt = new JwtAuthnFilterFactory().create(new JsonConfigValue(jwtConfig, "jwt"));
        JsonNode rbacConfig = m.readTree("""
                {"rules": {"action": "ALLOW", "policies": {
                  "ns[default]-policy[read]-rule[0]": {"permissions": [{"and_rules": {"rules": [
                      {"or_rules": {"rules": [{"header": {"name": ":method", "string_match": {"exact": "GET"}}}, {"header": {"name": ":method", "string_match": {"exact": "HEAD"}}}]}},
                      {"or_rules": {"rules": [{"url_path": {"path": {"prefix": "/api/"}}}, {"url_path": {"path": {"exact": "/health"}}}]}}]}}],
                    "principals": [{"any": true}]},
                  "ns[default]-policy[admin]-rule[0]": {"permissions": [{"any": true}],
                    "principals": [{"header": {"name": "x-role", "string_match": {"exact": "admin"}}}]},
                  "ns[default]-policy[internal]-rule[0]": {"permissions": [{"and_rules": {"rules": [{"destination_port": 8080},
                      {"url_path": {"path": {"prefix": "/internal/"}}}]}}],
                    "principals": [{"remote_ip": {"address_prefix": "10.0.0.0", "prefix_len": 8}}]}}}}""");
        rbac = new RbacFilterFactory().create(new JsonConfigValue(rbacConfig, "rbac"));

        withToken = Headers.request("GET", "/api/items/1", "reviews:9080").add("user-agent", "curl/8").add("accept", "*/*")
                .add("authorization", "Bearer " + token(key, "alice"));
        newTokens = new Headers[512];
        for (int i = 0; i < newTokens.length; i++) {
            newTokens[i] = Headers.request("GET", "/api/items/1", "reviews:9080").add("user-agent", "curl/8").add("accept", "*/*")
                    .add("authorization", "Bearer " + token(key, "user-" + i));
        }
        noToken = Headers.request("GET", "/api/items/1", "reviews:9080").add("user-agent", "curl/8").add("accept", "*/*");
        rbacAllowed = Headers.request("POST", "/internal/jobs", "reviews:9080").add("user-agent", "curl/8").add("content-type", "application/json");
        rbacDenied = Headers.request("DELETE", "/api/items/1", "reviews:9080").add("user-agent", "curl/8");
        rbacMtls = new RbacFilterFactory().create(new JsonConfigValue(m.readTree("""
                {"rules": {"action": "ALLOW", "policies": {"ns[default]-policy[reviews-viewers]-rule[0]": {"permissions": [{"any": true}],
                  "principals": [{"authenticated": {"principal_name": {"exact": "spiffe://cluster.local/ns/default/sa/productpage"}}},
                                 {"authenticated": {"principal_name": {"exact": "spiffe://cluster.local/ns/default/sa/ratings"}}},
                                 {"authenticated": {"principal_name": {"exact": "spiffe://cluster.local/ns/default/sa/sleep"}}}]}}}}"""), "rbac"));
        mtlsCallbacks.tls = new Tls(PeerIdentity.of(workloadCertificate("spiffe://cluster.local/ns/default/sa/sleep")));
        if (rbacMtlsPrincipal() != FilterStatus.CONTINUE) {
            throw new IllegalStateException("the mTLS policy does not let the sleep workload in");
        }
        if (jwtHeader() != FilterStatus.CONTINUE || jwtHeaderNewToken() != FilterStatus.CONTINUE || jwtMissing() != FilterStatus.CONTINUE || rbacAllowedByLastPolicy() != FilterStatus.CONTINUE
                || rbacDenied() != FilterStatus.STOP) {
            throw new IllegalStateException("the benchmark's requests do not decide as expected");
        }
    }

    static String token(RSAKey key, String subject) throws Exception {
        SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), new JWTClaimsSet.Builder()
                .issuer("issuer-a").subject(subject).audience("svc").expirationTime(new Date(System.currentTimeMillis() + 86_400_000)).build());
        token.sign(new RSASSASigner(key));
        return token.serialize();
    }

    /** A client certificate as Istio's CA issues them: the SPIFFE id as its only URI SAN. */
    static X509Certificate workloadCertificate(String spiffeId) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        long now = System.currentTimeMillis();
        var b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(new org.bouncycastle.asn1.x500.X500Name("O=cluster.local"),
                BigInteger.ONE, new Date(now - 60_000), new Date(now + 86_400_000), new org.bouncycastle.asn1.x500.X500Name(""), kp.getPublic());
        b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, true, new org.bouncycastle.asn1.x509.GeneralNames(
                new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier, spiffeId)));
        return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                b.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }

    private FilterStatus run(StreamFilterFactory.Creator creator, Headers h) {
        return run(creator, h, callbacks);
    }

    private static FilterStatus run(StreamFilterFactory.Creator creator, Headers h, Callbacks callbacks) {
        callbacks.filter = null;
        creator.createFilters(callbacks);
        callbacks.filter.setReceiverCallbacks(callbacks);
        return callbacks.filter.onRequestHeaders(h, true);
    }

    @Benchmark
    public FilterStatus jwtHeader() {
        return run(jwt, withToken);
    }

    @Benchmark
    public FilterStatus jwtHeaderNewToken() {
        Headers h = newTokens[next];
        next = (next + 1) % newTokens.length;
        return run(jwt, h);
    }

    @Benchmark
    public FilterStatus jwtMissing() {
        return run(jwt, noToken);
    }

    @Benchmark
    public FilterStatus rbacAllowedByLastPolicy() {
        return run(rbac, rbacAllowed);
    }

    @Benchmark
    public FilterStatus rbacDenied() {
        return run(rbac, rbacDenied);
    }

    @Benchmark
    public FilterStatus rbacMtlsPrincipal() {
        return run(rbacMtls, noToken, mtlsCallbacks);
    }

    /** A verified client's TLS, its names already read (the listener reads them once per connection). */
    record Tls(PeerIdentity peerIdentity) implements DownstreamTls {
        @Override public String serverName() { return "reviews.default.svc.cluster.local"; }
        @Override public boolean handshakeDone() { return true; }
        @Override public List<X509Certificate> peerCertificates() { return List.of(); }
        @Override public boolean peerVerified() { return true; }
    }

    /** One stream's chain and callbacks, reused: a peer in 10/8 on port 8080. */
    static final class Callbacks extends BenchCallbacks implements StreamFilterChain, RequestInfo {
        final SocketAddress peer = new InetSocketAddress(InetAddress.ofLiteral("10.1.2.3"), 40000);
        final SocketAddress local = new InetSocketAddress(InetAddress.ofLiteral("10.9.9.9"), 8080);
        StreamReceiverFilter filter;
        DownstreamTls tls;

        @Override public void addReceiverFilter(StreamReceiverFilter f, ReceiverPhase phase) { filter = f; }
        @Override public void addSenderFilter(StreamSenderFilter f) { }
        @Override public RequestInfo requestInfo() { return this; }
        @Override public long startTimeMillis() { return 0; }
        @Override public long startNanos() { return 0; }
        @Override public long requestReceivedNanos() { return -1; }
        @Override public long responseReceivedNanos() { return -1; }
        @Override public long requestFinishedNanos() { return -1; }
        @Override public String protocol() { return "Http1"; }
        @Override public String upstreamProtocol() { return null; }
        @Override public long bytesReceived() { return 0; }
        @Override public long bytesSent() { return 0; }
        @Override public String listenerName() { return "bench"; }
        @Override public String routerName() { return null; }
        @Override public String virtualHostName() { return null; }
        @Override public String routeName() { return null; }
        @Override public String clusterName() { return null; }
        @Override public HostInfo upstreamHost() { return null; }
        @Override public SocketAddress upstreamLocalAddress() { return null; }
        @Override public SocketAddress downstreamLocalAddress() { return local; }
        @Override public SocketAddress downstreamRemoteAddress() { return peer; }
        @Override public long connectionId() { return 1; }
        @Override public DownstreamTls downstreamTls() { return tls; }
        @Override public int responseCode() { return 0; }
        @Override public int responseFlags() { return 0; }
        @Override public void setResponseFlag(ResponseFlag flag) { }
        @Override public Object attribute(String key) { return null; }
        @Override public void setAttribute(String key, Object value) { }
    }
}
