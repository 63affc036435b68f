package io.mosn4j.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.LoadedConfig;
import org.junit.jupiter.api.Test;

class XdsBootstrapTest {
    static final String YAML = """
            node: {id: "sidecar~10.0.0.1~a.default~default.svc.cluster.local", cluster: a.default}
            admin: {address: {socket_address: {address: 127.0.0.1, port_value: 15000}}}
            servers:
              - default_log_path: stdout
                routers: [{router_config_name: file, virtual_hosts: [{name: all, domains: ["*"], routers: [{match: {prefix: /}, route: {cluster_name: xds-grpc}}]}]}]
                listeners: [{name: file, address: "127.0.0.1:2045", filter_chains: [{filters: [{type: proxy, config: {router_config_name: file}}]}]}]
            static_resources:
              clusters:
                - name: xds-grpc
                  type: STATIC
                  load_assignment: {cluster_name: xds-grpc, endpoints: [{lb_endpoints: [{endpoint: {address: {pipe: {path: ./etc/istio/proxy/XDS}}}}]}]}
            dynamic_resources:
              ads_config: {api_type: GRPC, set_node_on_first_message_only: true, grpc_services: [{envoy_grpc: {cluster_name: xds-grpc}}]}
              cds_config: {ads: {}, initial_fetch_timeout: 0s}
              lds_config: {ads: {}, initial_fetch_timeout: 5s}
            """;

    @Test
    void mixedModeKeepsTheFileAndReadsTheAdsTarget() {
        XdsBootstrap b = XdsBootstrap.of(ConfigLoader.readTree(YAML, true));
        LoadedConfig l = ConfigLoader.fromTree(b.mosn());
        assertThat(l.config().server().listeners()).extracting(x -> x.name()).containsExactly("file");
        assertThat(l.config().clusterManager().clusters()).isEmpty(); // a pipe cluster is only the ADS server's
        assertThat(b.ads().pipe()).isEqualTo("./etc/istio/proxy/XDS");
        assertThat(b.ads().nodeOnFirstMessageOnly()).isTrue();
        assertThat(b.ads().delta()).isFalse();
        assertThat(XdsBootstrap.of(ConfigLoader.readTree(YAML.replace("api_type: GRPC", "api_type: DELTA_GRPC"), true)).ads().delta())
                .as("DELTA_GRPC (current Istio's default) selects delta xDS").isTrue();
        assertThat(b.ads().cdsFetchTimeout()).isNull(); // 0s: wait forever
        assertThat(b.ads().ldsFetchTimeout()).hasSeconds(5);
        assertThat(b.bootstrap().getNode().getCluster()).isEqualTo("a.default");
    }

    @Test
    void refusalsNameTheField() {
        assertThatThrownBy(() -> XdsBootstrap.of(ConfigLoader.readTree(YAML.replace("api_type: GRPC", "api_type: REST"), true)))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("dynamic_resources.ads_config.api_type: REST is not supported");
        assertThatThrownBy(() -> XdsBootstrap.of(ConfigLoader.readTree(YAML.replace("cluster_name: xds-grpc}}]}", "cluster_name: pilot}}]}"), true)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("envoy_grpc.cluster_name: no static cluster named \"pilot\"");
        assertThatThrownBy(() -> XdsBootstrap.of(ConfigLoader.readTree(YAML.replace("type: STATIC", "type: STATIC\n      hosts: []"), true)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("invalid Envoy bootstrap").hasMessageContaining("hosts");
    }
}
