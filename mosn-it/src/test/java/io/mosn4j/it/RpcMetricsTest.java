package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RPC answers counted as MOSN counts them, through the real {@code bin/mosn} and a SOFABolt server
 * and client: a bolt response's status is mapped to HTTP (success 200, a server exception 500), so
 * a successful call is a 2xx for the listener and the upstream, not a failed request; the bytes of
 * the bolt pool's connections count in the cluster's.
 */
class RpcMetricsTest {
    private static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"],
                  "routers": [{"match": {"headers": [{"name": "service", "value": "svc.echo"}]}, "route": {"cluster_name": "bolt"}}]}]}],
                "listeners": [{"name": "bolt", "address": "127.0.0.1:${BOLT}",
                  "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]}]
              }],
              "cluster_manager": {"clusters": [
                {"name": "bolt", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${BOLT_SERVER}"}]}]},
              "metrics": {"sinks": [{"type": "prometheus", "config": {"port": ${SINK}, "endpoint": "/metrics"}}]}
            }
            """;

    @Test
    void boltAnswersCountByTheirStatusMappedToHttp() throws Exception {
        int port = MosnProcess.freePort();
        int sink = MosnProcess.freePort();
        try (BoltEchoPeer bolt = new BoltEchoPeer();
             MosnProcess mosn = MosnProcess.builder().config(render(CONFIG, vars("BOLT", port, "BOLT_SERVER", bolt.serverPort, "SINK", sink)))
                     .waitFor(port, sink).start()) {
            String address = "127.0.0.1:" + port;
            for (int i = 0; i < 5; i++) {
                assertThat(bolt.call(address, "svc.echo", BoltEcho.of("m", "hi" + i), Map.of())).isEqualTo("echo:hi" + i);
            }
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> bolt.call(address, "svc.echo", BoltEcho.of("m", "fail"), Map.of()))
                        .as("the server's exception reaches the caller").hasStackTraceContaining("asked to fail");
            }

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sink + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            PromText p = PromText.parse(r.body());
            Map<String, String> l = Map.of("listener", "bolt");
            Map<String, String> c = Map.of("cluster", "bolt");
            assertThat(p.value("downstream_request_total", l)).isEqualTo(8);
            assertThat(p.value("downstream_request_2xx_total", l)).as("successful calls").isEqualTo(5);
            assertThat(p.value("downstream_request_200_total", l)).isEqualTo(5);
            assertThat(p.value("downstream_request_5xx_total", l)).as("server exceptions").isEqualTo(3);
            assertThat(p.value("downstream_request_failed", l)).as("only the server exceptions failed").isEqualTo(3);
            assertThat(p.value("upstream_response_2xx_total", c)).isEqualTo(5);
            assertThat(p.value("upstream_response_5xx_total", c)).isEqualTo(3);
            assertThat(p.value("upstream_response_success", c)).isEqualTo(5);
            assertThat(p.value("upstream_response_failed", c)).isEqualTo(3);
            // the bolt pool's connections count their bytes in the cluster's; a frame passes the proxy
            // with its size unchanged, so the cluster's bytes are the listener's
            double read = p.value("downstream_bytes_read_total", l);
            double written = p.value("downstream_bytes_write_total", l);
            assertThat(read).as("8 requests of a 22-byte header and more").isGreaterThan(8 * 22);
            assertThat(written).as("8 responses of a 20-byte header and more").isGreaterThan(8 * 20);
            assertThat(p.value("upstream_connection_bytes_write", c)).isEqualTo(read);
            assertThat(p.value("upstream_connection_bytes_read_total", c)).isEqualTo(written);
        }
    }
}
