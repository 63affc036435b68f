package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Istio's RequestAuthentication and AuthorizationPolicy as a control plane (java-control-plane)
 * sends them: {@code envoy.filters.http.jwt_authn} and {@code envoy.filters.http.rbac} in the HTTP
 * connection manager, working in the real {@code bin/mosn}; an update replaces the policy, an
 * mTLS-only policy refuses this plaintext listener's clients, and a policy the filter cannot enforce
 * (a dynamic metadata principal) is NACKed, the old one kept. mTLS itself: {@link XdsMtlsAuthzTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class XdsAuthzTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();

    private static NettyHttpBackend backend;
    private static XdsServer xds;
    private static MosnProcess mosn;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        backend = NettyHttpBackend.start("v1");
        port = freePort();
        xds = new XdsServer(freePort()).start();
        xds.set(snapshot("1", allowGetApi()));
        mosn = MosnProcess.builder().config(render(XdsTest.BOOTSTRAP, vars("ADMIN", freePort(), "XDS", xds.port, "STATIC", freePort(),
                "V1", backend.port()))).waitFor(port).startTimeout(XdsTest.WAIT).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                int code = mosn.stop();
                java.nio.file.Files.writeString(java.nio.file.Path.of("target", "XdsAuthzTest-mosn.log"), mosn.output());
                assertThat(code).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (xds != null) {
                xds.close();
            }
            if (backend != null) {
                backend.close();
            }
        }
    }

    static RBAC allowGetApi() {
        return RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().putPolicies("ns[default]-policy[get]-rule[0]",
                Policy.newBuilder()
                        .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                                .addRules(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":method")
                                        .setStringMatch(StringMatcher.newBuilder().setExact("GET"))))
                                .addRules(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                                        .setPath(StringMatcher.newBuilder().setPrefix("/api/"))))))
                        .addPrincipals(Principal.newBuilder().setAny(true)).build())).build();
    }

    static RBAC denyApi() {
        return RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder()
                .setAction(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY).putPolicies("ns[default]-policy[deny]-rule[0]",
                        Policy.newBuilder().addPermissions(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                                        .setPath(StringMatcher.newBuilder().setPrefix("/api/")))).addPrincipals(Principal.newBuilder().setAny(true))
                                .build())).build();
    }

    static RBAC mtlsOnly() {
        return RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().putPolicies("p", Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                        .setPrincipalName(StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/default/sa/sleep")))).build())).build();
    }

    /** A principal by dynamic metadata, which mosn4j does not have. */
    static RBAC metadataOnly() {
        return RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().putPolicies("p", Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setMetadata(io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher.newBuilder()
                        .setFilter("istio_authn").addPath(io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher.PathSegment.newBuilder()
                                .setKey("source.principal")).setValue(io.envoyproxy.envoy.type.matcher.v3.ValueMatcher.newBuilder()
                                .setStringMatch(StringMatcher.newBuilder().setExact("x"))))).build())).build();
    }

    /** Istio's RequestAuthentication: a token, when there is one, must verify; none is fine (the policy decides). */
    static JwtAuthentication jwt() {
        String jwks = new JWKSet(new OctetSequenceKey.Builder(SECRET).keyID("k").build()).toString(false);
        return JwtAuthentication.newBuilder()
                .putProviders("origins-0", JwtProvider.newBuilder().setIssuer("testing@secure.istio.io")
                        .setLocalJwks(DataSource.newBuilder().setInlineString(jwks)).setForward(true).build())
                .addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                                .addRequirements(JwtRequirement.newBuilder().setProviderName("origins-0"))
                                .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance())))))
                .setBypassCorsPreflight(true).build();
    }

    static Snapshot snapshot(String version, RBAC rbac) {
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("inbound_0.0.0.0_9080")
                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                .setRds(Rds.newBuilder().setRouteConfigName("9080").setConfigSource(XdsTest.ads()))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.jwt_authn").setTypedConfig(Any.pack(jwt())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(rbac)))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .build();
        Listener l = Listener.newBuilder().setName("0.0.0.0_9080").setAddress(XdsTest.address(port))
                .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm)))).build();
        Cluster c = Cluster.newBuilder().setName("backend").setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("backend").addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(XdsTest.address(backend.port())))))).build();
        return Snapshot.create(List.of(c), List.of(), List.of(l), List.of(XdsTest.routes(XdsTest.route("/", "backend"))), List.of(), version);
    }

    static String token(String issuer) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k").build(), new JWTClaimsSet.Builder()
                .issuer(issuer).subject("alice").expirationTime(new Date(System.currentTimeMillis() + 600_000)).build());
        jwt.sign(new MACSigner(SECRET));
        return jwt.serialize();
    }

    private static int status(String method, String path, String authorization) throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(port, XdsTest.READ_MS)) {
            return c.send(method + " " + path + " HTTP/1.1\r\nHost: reviews:9080\r\nContent-Length: 0\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n").readResponse().status();
        }
    }

    @Test
    void authorizationPolicyAndRequestAuthenticationFromTheControlPlane() throws Exception {
        // the route arrives after the listener: wait until the GET is served
        XdsTest.eventually(mosn, () -> status("GET", "/api/items", null) == 200);
        assertThat(status("POST", "/api/items", null)).as("ALLOW GET only").isEqualTo(403);
        assertThat(status("GET", "/other", null)).isEqualTo(403);
        assertThat(status("GET", "/api/items", "Bearer " + token("testing@secure.istio.io"))).isEqualTo(200);
        assertThat(status("GET", "/api/items", "Bearer " + token("someone-else"))).as("a bad token is refused").isEqualTo(401);
        assertThat(status("GET", "/api/items", "Bearer garbage")).isEqualTo(401);

        // a new policy replaces the old
        xds.set(snapshot("2", denyApi()));
        XdsTest.eventually(mosn, () -> status("GET", "/api/items", null) == 403);
        assertThat(status("POST", "/other", null)).isEqualTo(200);

        // Istio's mTLS-only policy (source.principals) is taken; on this plaintext listener no client has a certificate
        xds.set(snapshot("3", mtlsOnly()));
        XdsTest.eventually(mosn, () -> status("POST", "/other", null) == 403);
        assertThat(status("GET", "/api/items", null)).isEqualTo(403);

        // a policy that cannot be enforced is NACKed, naming why; the listener keeps the last good one
        xds.set(snapshot("4", metadataOnly()));
        var nack = xds.await(r -> r.getTypeUrl().equals(XdsTest.LDS) && r.hasErrorDetail(), XdsTest.WAIT);
        assertThat(nack.getErrorDetail().getMessage()).contains("principals[0].metadata").contains("not a principal");
        assertThat(status("GET", "/api/items", null)).isEqualTo(403);
        assertThat(status("POST", "/other", null)).isEqualTo(403);
    }
}
