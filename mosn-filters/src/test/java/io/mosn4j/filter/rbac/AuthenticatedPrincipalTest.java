package io.mosn4j.filter.rbac;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.network.DownstreamTls;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.network.PeerIdentity;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.filter.FilterHarness;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code authenticated} principal over real X.509 certificates (made here with Bouncy Castle):
 * the order Envoy documents for {@code principal_name} (URI SANs, then DNS SANs, the subject only
 * for a certificate with neither), what counts as authenticated, and the network RBAC holding its
 * decision until the handshake is done.
 */
class AuthenticatedPrincipalTest {
    static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    static X509Certificate spiffe;
    static X509Certificate dnsOnly;
    static X509Certificate bare;

    @BeforeAll
    static void certificates() throws Exception {
        spiffe = cert("O=acme,CN=sleep", List.of(new GeneralName(GeneralName.uniformResourceIdentifier, SLEEP),
                new GeneralName(GeneralName.dNSName, "sleep.default.svc"), new GeneralName(GeneralName.iPAddress, "10.1.2.3")));
        dnsOnly = cert("O=acme,CN=web", List.of(new GeneralName(GeneralName.dNSName, "web.example.com"),
                new GeneralName(GeneralName.dNSName, "www.example.com")));
        bare = cert("O=acme,OU=ops,CN=legacy client", List.of());
    }

    /** A certificate for {@code subject}, its RDNs in encoding order (RFC 2253 prints them last first). */
    static X509Certificate cert(String subject, List<GeneralName> sans) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=test-ca"), BigInteger.valueOf(now),
                new Date(now - 60_000), new Date(now + 3_600_000), new X500Name(subject), kp.getPublic());
        if (!sans.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }

    /** A connection's TLS as the listener would give it: {@code cert} presented, verified or not; the handshake done or not. */
    static final class Tls implements DownstreamTls {
        final X509Certificate cert;
        final boolean verified;
        boolean done;

        Tls(X509Certificate cert, boolean verified, boolean done) {
            this.cert = cert;
            this.verified = verified;
            this.done = done;
        }

        @Override
        public String serverName() {
            return "example.com";
        }

        @Override
        public boolean handshakeDone() {
            return done;
        }

        @Override
        public List<X509Certificate> peerCertificates() {
            return cert == null || !done ? List.of() : List.of(cert);
        }

        @Override
        public boolean peerVerified() {
            return verified && !peerCertificates().isEmpty();
        }

        @Override
        public PeerIdentity peerIdentity() {
            return peerVerified() ? PeerIdentity.of(cert) : null;
        }
    }

    static Predicate<String> matcher(String json) {
        return StringMatch.parse(config(json));
    }

    static boolean named(X509Certificate c, String matcherJson) {
        return Matcher.principalNamed(PeerIdentity.of(c), matcher(matcherJson));
    }

    @Test
    void theCertificatesNamesAreRead() {
        PeerIdentity id = PeerIdentity.of(spiffe);
        assertThat(id.uriSans()).containsExactly(SLEEP);
        assertThat(id.dnsSans()).containsExactly("sleep.default.svc");
        assertThat(id.subject()).isEqualTo("CN=sleep,O=acme");
        assertThat(PeerIdentity.of(dnsOnly).dnsSans()).containsExactly("web.example.com", "www.example.com");
        assertThat(PeerIdentity.of(bare).uriSans()).isEmpty();
        assertThat(PeerIdentity.of(bare).subject()).isEqualTo("CN=legacy client,OU=ops,O=acme");
    }

    @Test
    void uriSansFirstThenDnsSansThenTheSubjectOnlyWithoutSans() {
        assertThat(named(spiffe, "{\"exact\": \"" + SLEEP + "\"}")).isTrue();
        assertThat(named(spiffe, "{\"exact\": \"spiffe://cluster.local/ns/default/sa/other\"}")).isFalse();
        assertThat(named(spiffe, "{\"exact\": \"sleep.default.svc\"}")).as("a DNS SAN, after the URI SANs").isTrue();
        assertThat(named(spiffe, "{\"exact\": \"CN=sleep,O=acme\"}")).as("the subject does not name a certificate with SANs").isFalse();
        assertThat(named(spiffe, "{\"exact\": \"10.1.2.3\"}")).as("IP SANs are not principal names").isFalse();

        assertThat(named(dnsOnly, "{\"exact\": \"www.example.com\"}")).as("any DNS SAN").isTrue();
        assertThat(named(dnsOnly, "{\"suffix\": \".example.com\"}")).isTrue();
        assertThat(named(dnsOnly, "{\"prefix\": \"CN=web\"}")).isFalse();

        assertThat(named(bare, "{\"exact\": \"CN=legacy client,OU=ops,O=acme\"}")).as("no SANs: the RFC 2253 subject").isTrue();
        assertThat(named(bare, "{\"contains\": \"OU=ops\"}")).isTrue();
        assertThat(named(bare, "{\"exact\": \"legacy client\"}")).isFalse();
    }

    @Test
    void everyStringMatcherAppliesToTheNames() {
        assertThat(named(spiffe, "{\"prefix\": \"spiffe://cluster.local/ns/default/\"}")).isTrue();
        assertThat(named(spiffe, "{\"prefix\": \"spiffe://cluster.local/ns/prod/\"}")).isFalse();
        assertThat(named(spiffe, "{\"suffix\": \"/sa/sleep\"}")).isTrue();
        assertThat(named(spiffe, "{\"safe_regex\": {\"regex\": \"spiffe://cluster\\\\.local/ns/[a-z]+/sa/sleep\"}}")).isTrue();
        assertThat(named(spiffe, "{\"safe_regex\": {\"regex\": \"spiffe://cluster\\\\.local/ns/default\"}}")).as("the whole value").isFalse();
        assertThat(named(spiffe, "{\"exact\": \"SPIFFE://cluster.local/ns/default/sa/SLEEP\", \"ignore_case\": true}")).isTrue();
        assertThat(named(spiffe, "{\"exact\": \"SPIFFE://cluster.local/ns/default/sa/SLEEP\"}")).isFalse();
    }

    static final String ONLY_SLEEP = """
            {"rules": {"action": "ALLOW", "policies": {"mtls": {"permissions": [{"any": true}],
              "principals": [{"authenticated": {"principal_name": {"exact": "%s"}}}]}}}}""".formatted(SLEEP);
    static final String ANY_CLIENT_CERT = """
            {"rules": {"action": "ALLOW", "policies": {"mtls": {"permissions": [{"any": true}], "principals": [{"authenticated": {}}]}}}}""";

    private static boolean allows(String json, DownstreamTls tls) {
        FilterHarness harness = new FilterHarness(null).create(new RbacFilterFactory(), config(json));
        harness.remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
        harness.local = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8443);
        harness.tls = tls;
        boolean passed = harness.filter().onRequestHeaders(Headers.request("GET", "/", "example.com"), true) == FilterStatus.CONTINUE;
        assertThat(passed ? harness.reply : harness.reply.status()).isEqualTo(passed ? null : 403);
        return passed;
    }

    @Test
    void theHttpFilterLetsInOnlyTheNamedVerifiedClient() throws Exception {
        assertThat(allows(ONLY_SLEEP, new Tls(spiffe, true, true))).isTrue();
        assertThat(allows(ONLY_SLEEP, new Tls(dnsOnly, true, true))).as("another client").isFalse();
        assertThat(allows(ONLY_SLEEP, new Tls(spiffe, false, true))).as("presented but not verified (require_client_cert alone)").isFalse();
        assertThat(allows(ONLY_SLEEP, new Tls(null, true, true))).as("no client certificate").isFalse();
        assertThat(allows(ONLY_SLEEP, null)).as("plaintext").isFalse();

        assertThat(allows(ANY_CLIENT_CERT, new Tls(bare, true, true))).as("{}: any verified certificate").isTrue();
        assertThat(allows(ANY_CLIENT_CERT, new Tls(bare, false, true))).isFalse();
        assertThat(allows(ANY_CLIENT_CERT, new Tls(null, true, true))).isFalse();
        assertThat(allows(ANY_CLIENT_CERT, null)).isFalse();

        String notSleep = """
                {"rules": {"action": "DENY", "policies": {"not-sleep": {"permissions": [{"any": true}],
                  "principals": [{"not_id": {"authenticated": {"principal_name": {"exact": "%s"}}}}]}}}}""".formatted(SLEEP);
        assertThat(allows(notSleep, new Tls(spiffe, true, true))).isTrue();
        assertThat(allows(notSleep, null)).isFalse();
    }

    @Test
    void theServerNameTheClientSentIsAPermission() {
        String sni = """
                {"rules": {"action": "ALLOW", "policies": {"sni": {"permissions": [{"requested_server_name": {"suffix": ".com"}}],
                  "principals": [{"any": true}]}}}}""";
        assertThat(allows(sni, new Tls(null, false, true))).as("example.com").isTrue();
        assertThat(allows(sni, null)).as("plaintext: no name").isFalse();
        String none = """
                {"rules": {"action": "DENY", "policies": {"no-sni": {"permissions": [{"requested_server_name": {"exact": ""}}],
                  "principals": [{"any": true}]}}}}""";
        assertThat(allows(none, null)).as("no name is matched as \"\", as Envoy does").isFalse();
        assertThat(allows(none, new Tls(null, false, true))).isTrue();
    }

    @Test
    void rulesKnowWhetherTheyNeedTheCertificate() {
        assertThat(RbacRules.parse(config(ONLY_SLEEP).get("rules")).needsPeerCertificate()).isTrue();
        assertThat(RbacRules.parse(config("""
                {"action": "DENY", "policies": {"p": {"permissions": [{"any": true}],
                  "principals": [{"or_ids": {"ids": [{"any": true}, {"not_id": {"authenticated": {}}}]}}]}}}""")).needsPeerCertificate()).isTrue();
        assertThat(RbacRules.parse(config("""
                {"action": "DENY", "policies": {"authenticated": {"permissions": [{"any": true}], "principals": [{"any": true}]}}}"""))
                .needsPeerCertificate()).as("a policy's name is not a principal").isFalse();
    }

    /** The network RBAC of {@code json} on a listener counting into {@code counted}. */
    private static NetworkFilter network(String json, Map<String, AtomicLong> counted) {
        Stats stats = RbacFilterTest.counting(counted);
        ListenerContext listener = (ListenerContext) java.lang.reflect.Proxy.newProxyInstance(ListenerContext.class.getClassLoader(),
                new Class<?>[] {ListenerContext.class}, (p, m, a) -> switch (m.getName()) {
                    case "listenerName" -> "l";
                    case "stats" -> stats;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return new RbacNetworkFilterFactory().create(config(json), listener);
    }

    private static EmbeddedChannel tlsChannel(Tls tls) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.attr(DownstreamTls.ATTRIBUTE).set(tls);
        return ch;
    }

    @Test
    void theNetworkFilterDecidesWhenTheHandshakeIsDone() {
        Map<String, AtomicLong> counted = new ConcurrentHashMap<>();
        NetworkFilter rbac = network(ONLY_SLEEP, counted);

        Tls sleep = new Tls(spiffe, true, false);
        EmbeddedChannel allowed = tlsChannel(sleep);
        rbac.install(allowed);
        List<Object> events = new ArrayList<>();
        allowed.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
        assertThat(allowed.isOpen()).isTrue();
        assertThat(counted).as("undecided during the handshake").isEmpty();
        sleep.done = true;
        allowed.pipeline().fireUserEventTriggered("handshake done");
        assertThat(allowed.isOpen()).isTrue();
        assertThat(events).as("the event goes on").containsExactly("handshake done");
        ByteBuf data = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        allowed.writeInbound(data);
        ByteBuf through = allowed.readInbound();
        assertThat(through).isSameAs(data);
        through.release();
        assertThat(counted.get("tcp.l.rbac.allowed").get()).isEqualTo(1);

        Tls other = new Tls(dnsOnly, true, false);
        EmbeddedChannel refused = tlsChannel(other);
        rbac.install(refused);
        other.done = true;
        refused.pipeline().fireUserEventTriggered("handshake done");
        assertThat(refused.isOpen()).as("another client is closed").isFalse();
        assertThat(counted.get("tcp.l.rbac.denied").get()).isEqualTo(1);

        // decided on the first bytes at the latest; what a refused client sent goes nowhere
        Tls none = new Tls(null, true, false);
        EmbeddedChannel noCert = tlsChannel(none);
        rbac.install(noCert);
        none.done = true;
        ByteBuf sent = Unpooled.copiedBuffer(new byte[] {4, 5});
        noCert.writeInbound(sent);
        assertThat(sent.refCnt()).isZero();
        assertThat((Object) noCert.readInbound()).isNull();
        assertThat(noCert.isOpen()).isFalse();
        assertThat(counted.get("tcp.l.rbac.denied").get()).isEqualTo(2);

        // plaintext: decided as it is accepted, and nothing names it
        EmbeddedChannel plain = new EmbeddedChannel();
        rbac.install(plain);
        assertThat(plain.isOpen()).isFalse();
        assertThat(counted.get("tcp.l.rbac.denied").get()).isEqualTo(3);
    }

    @Test
    void rulesWithoutTheCertificateStillDecideAsTheConnectionIsAccepted() {
        Map<String, AtomicLong> counted = new ConcurrentHashMap<>();
        NetworkFilter rbac = network("""
                {"rules": {"action": "DENY", "policies": {"all": {"permissions": [{"any": true}], "principals": [{"any": true}]}}}}""", counted);
        EmbeddedChannel ch = tlsChannel(new Tls(spiffe, true, false));
        rbac.install(ch);
        assertThat(ch.isOpen()).isFalse();
        assertThat(counted.get("tcp.l.rbac.denied").get()).isEqualTo(1);
    }

    @Test
    void peerIdentitiesKeepTheirOrder() {
        List<String> uris = new ArrayList<>(List.of("spiffe://a", "spiffe://b"));
        PeerIdentity id = new PeerIdentity(uris, List.of(), "CN=x");
        uris.clear();
        assertThat(id.uriSans()).containsExactly("spiffe://a", "spiffe://b");
    }
}
