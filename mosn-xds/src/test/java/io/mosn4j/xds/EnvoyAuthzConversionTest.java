package io.mosn4j.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
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
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.filter.jwtauthn.JwtAuthnFilterFactory;
import io.mosn4j.filter.rbac.RbacFilterFactory;
import org.junit.jupiter.api.Test;

/**
 * Istio's AuthorizationPolicy and RequestAuthentication as they arrive over xDS (Envoy's
 * {@code envoy.filters.http.rbac} and {@code envoy.filters.http.jwt_authn} in the HTTP connection
 * manager) become the listener's {@code rbac} and {@code jwt_authn} stream filters, whose factories
 * take the converted config.
 */
class EnvoyAuthzConversionTest {

    /** What Istio sends for an ALLOW policy: GET on /api/* from 10.0.0.0/8, and a dry-run DENY. */
    static RBAC istioRbac() {
        Policy allow = Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAndRules(Permission.Set.newBuilder()
                        .addRules(Permission.newBuilder().setHeader(HeaderMatcher.newBuilder().setName(":method")
                                .setStringMatch(StringMatcher.newBuilder().setExact("GET"))))
                        .addRules(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(StringMatcher.newBuilder().setPrefix("/api/"))))))
                .addPrincipals(Principal.newBuilder().setRemoteIp(CidrRange.newBuilder().setAddressPrefix("10.0.0.0").setPrefixLen(UInt32Value.of(8))))
                .build();
        Policy dryRun = Policy.newBuilder().addPermissions(Permission.newBuilder().setDestinationPort(8080))
                .addPrincipals(Principal.newBuilder().setAny(true)).build();
        return RBAC.newBuilder()
                .setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().putPolicies("ns[default]-policy[reader]-rule[0]", allow))
                .setShadowRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().setAction(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.DENY)
                        .putPolicies("ns[default]-policy[dry]-rule[0]", dryRun))
                .setShadowRulesStatPrefix("istio_dry_run_deny_").build();
    }

    /** What Istio sends for a RequestAuthentication with a jwksUri. */
    static JwtAuthentication istioJwt() {
        JwtProvider p = JwtProvider.newBuilder().setIssuer("https://idp.example").addAudiences("svc")
                .setRemoteJwks(RemoteJwks.newBuilder().setHttpUri(HttpUri.newBuilder().setUri("https://idp.example/jwks")
                        .setCluster("outbound|443||idp.example").setTimeout(Duration.newBuilder().setSeconds(5))).setCacheDuration(Duration.newBuilder().setSeconds(300)))
                .setForward(true).setPayloadInMetadata("https://idp.example").build();
        JwtProvider local = JwtProvider.newBuilder().setIssuer("local")
                .setLocalJwks(DataSource.newBuilder().setInlineString("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + "A".repeat(43) + "\"}]}")).build();
        return JwtAuthentication.newBuilder().putProviders("origins-0", p).putProviders("origins-1", local)
                .addRules(RequirementRule.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(JwtRequirement.newBuilder().setRequiresAny(JwtRequirementOrList.newBuilder()
                                .addRequirements(JwtRequirement.newBuilder().setProviderName("origins-0"))
                                .addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance())))))
                .setBypassCorsPreflight(true).build();
    }

    static Listener listener(Any... filters) {
        HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName("r"));
        for (Any f : filters) {
            hcm.addHttpFilters(HttpFilter.newBuilder().setName(f.getTypeUrl().contains("rbac") ? "envoy.filters.http.rbac" : "envoy.filters.http.jwt_authn")
                    .setTypedConfig(f));
        }
        hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
        FilterChain chain = FilterChain.newBuilder().addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm.build()))).build();
        return Listener.newBuilder().setName("virtualInbound").setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(15006))).addFilterChains(chain).addFilterChains(chain).build();
    }

    @Test
    void rbacAndJwtAuthnBecomeTheListenersStreamFilters() {
        JsonNode l = EnvoyConversion.listener(listener(Any.pack(istioJwt()), Any.pack(istioRbac()))).json();
        JsonNode filters = l.get("stream_filters");
        assertThat(filters).hasSize(2);
        assertThat(filters.get(0).get("type").asText()).isEqualTo("jwt_authn");
        assertThat(filters.get(1).get("type").asText()).isEqualTo("rbac");
        JsonNode rbac = filters.get(1).get("config");
        assertThat(rbac.at("/rules/policies/ns[default]-policy[reader]-rule[0]/principals/0/remote_ip").toString())
                .isEqualTo("{\"address_prefix\":\"10.0.0.0\",\"prefix_len\":8}");
        assertThat(rbac.at("/shadow_rules/action").asText()).isEqualTo("DENY");
        assertThat(rbac.at("/shadow_rules_stat_prefix").asText()).isEqualTo("istio_dry_run_deny_");
        JsonNode jwt = filters.get(0).get("config");
        assertThat(jwt.at("/providers/origins-0/remote_jwks/http_uri/timeout").asText()).isEqualTo("5s");
        assertThat(jwt.at("/rules/0/requires/requires_any/requirements/1/allow_missing").toString()).isEqualTo("{}");
        // the filters take what the conversion made
        new RbacFilterFactory().create(new JsonConfigValue(rbac, "listener.stream_filters[1].config"));
        new JwtAuthnFilterFactory().create(new JsonConfigValue(jwt, "listener.stream_filters[0].config"));
    }

    @Test
    void anIstioPrincipalFromTheClientCertificateReachesTheFilter() {
        RBAC mtls = RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder().putPolicies("p", Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                        .setPrincipalName(StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/default/sa/sleep"))))
                .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                        .setPrincipalName(StringMatcher.newBuilder().setPrefix("spiffe://cluster.local/ns/prod/"))))
                .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.getDefaultInstance())).build())).build();
        JsonNode config = EnvoyConversion.listener(listener(Any.pack(mtls))).json().at("/stream_filters/0/config");
        JsonNode principals = config.at("/rules/policies/p/principals");
        assertThat(principals.get(0).toString()).isEqualTo("{\"authenticated\":{\"principal_name\":{\"exact\":\"spiffe://cluster.local/ns/default/sa/sleep\"}}}");
        assertThat(principals.get(1).toString()).isEqualTo("{\"authenticated\":{\"principal_name\":{\"prefix\":\"spiffe://cluster.local/ns/prod/\"}}}");
        assertThat(principals.get(2).toString()).as("any verified client").isEqualTo("{\"authenticated\":{}}");
        // the filter takes it (what it matches: AuthenticatedPrincipalTest in mosn-filters)
        new RbacFilterFactory().create(new JsonConfigValue(config, "l.stream_filters[0].config"));
    }

    @Test
    void listenersWhoseChainsDisagreeOrAFilterAfterTheRouterAreRejected() {
        Listener one = listener(Any.pack(istioRbac()));
        Listener other = listener();
        Listener mixed = one.toBuilder().setFilterChains(1, other.getFilterChains(0)).build();
        assertThatThrownBy(() -> EnvoyConversion.listener(mixed)).isInstanceOf(XdsRejection.class)
                .hasMessageContaining("its HTTP filters differ from an earlier chain's");
        HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setRds(Rds.newBuilder().setRouteConfigName("r"))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
                .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.rbac").setTypedConfig(Any.pack(istioRbac()))).build();
        Listener after = one.toBuilder().clearFilterChains().addFilterChains(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm)))).build();
        assertThatThrownBy(() -> EnvoyConversion.listener(after)).isInstanceOf(XdsRejection.class).hasMessageContaining("after the router");
    }

    @Test
    void aPerRouteAccessPolicyIsRejected() {
        var route = io.envoyproxy.envoy.config.route.v3.Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c"))
                .putTypedPerFilterConfig("envoy.filters.http.rbac", Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute
                        .newBuilder().setRbac(istioRbac()).build()));
        var rc = io.envoyproxy.envoy.config.route.v3.RouteConfiguration.newBuilder().setName("r").addVirtualHosts(
                io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("v").addDomains("*").addRoutes(route)).build();
        assertThatThrownBy(() -> EnvoyConversion.router(rc)).isInstanceOf(XdsRejection.class)
                .hasMessageContaining("typed_per_filter_config.envoy.filters.http.rbac").hasMessageContaining("not supported");
    }

    @Test
    void theNetworkRbacBecomesANetworkFilterAheadOfTheProxy() {
        var rbac = io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setStatPrefix("tcp.")
                .setRules(istioRbac().getRules().toBuilder().clearPolicies().putPolicies("p", Policy.newBuilder()
                        .addPermissions(Permission.newBuilder().setDestinationPort(9000))
                        .addPrincipals(Principal.newBuilder().setDirectRemoteIp(CidrRange.newBuilder().setAddressPrefix("10.0.0.0")
                                .setPrefixLen(UInt32Value.of(8))))
                        .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                                .setPrincipalName(StringMatcher.newBuilder().setExact("spiffe://cluster.local/ns/default/sa/sleep")))).build())).build();
        var tcp = io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder().setStatPrefix("t").setCluster("c").build();
        Listener l = Listener.newBuilder().setName("tcp").setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(9000))).addFilterChains(FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.rbac").setTypedConfig(Any.pack(rbac)))
                .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(tcp)))).build();
        JsonNode filters = EnvoyConversion.listener(l).json().at("/filter_chains/0/filters");
        assertThat(filters.get(0).get("type").asText()).isEqualTo("rbac");
        assertThat(filters.get(0).at("/config/stat_prefix").asText()).isEqualTo("tcp.");
        assertThat(filters.get(0).at("/config/rules/policies/p/principals/0/direct_remote_ip/prefix_len").asInt()).isEqualTo(8);
        assertThat(filters.get(0).at("/config/rules/policies/p/principals/1/authenticated/principal_name/exact").asText())
                .isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
        assertThat(filters.get(1).get("type").asText()).isEqualTo("tcp_proxy");
    }
}
