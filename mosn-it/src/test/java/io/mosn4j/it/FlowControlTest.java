package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.it.RawHttpClient.RawResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MOSN's {@code flowControlFilter} (Sentinel) through the real {@code bin/mosn}: MOSN's
 * examples/codes/flowcontrol-sample/server_config.json unchanged but for its ports (first /test
 * passes, the rest of a burst is blocked with 500 "blocked", other paths pass); a concurrency rule
 * whose slots free on completion and on a client's reset alike; monitor mode; HTTP/2; a bad rule
 * refused naming its field. One event loop ({@code processor: 1}) for the listeners of the second
 * process, so a filter that held the loop would hold every request.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FlowControlTest {

    /** examples/codes/flowcontrol-sample/server_config.json, ports aside (and the admin kept on 127.0.0.1). */
    static final String SAMPLE = """
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
                          "domains": ["*"],
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
                          "type": "flowControlFilter",
                          "config": {
                            "app_name": "sample",
                            "log_path": "/tmp/sentinel",
                            "global_switch": true,
                            "monitor": false,
                            "limit_key_type": "PATH",
                            "action": {
                              "status": 500,
                              "body": "blocked"
                            },
                            "rules": [
                              {
                                "resource": "/test",
                                "limitApp": "",
                                "grade": 1,
                                "threshold": 1,
                                "strategy": 0
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
                        "address": "127.0.0.1:${BACKEND}"
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

    /** Listeners with a concurrency rule, monitor mode and HTTP/2; Sentinel logs under target/. */
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [
                  {"router_config_name": "fast", "virtual_hosts": [{"name": "all", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "fast"}}]}]},
                  {"router_config_name": "slow", "virtual_hosts": [{"name": "all", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "slow"}}]}]}
                ],
                "listeners": [
                  {"name": "conc", "address": "127.0.0.1:${CONC}",
                   "stream_filters": [{"type": "flowControlFilter", "config": {"global_switch": true, "log_path": "${LOG}", "app_name": "it",
                     "rules": [{"resource": "/held", "grade": 0, "count": 2}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "slow"}}]}]},
                  {"name": "monitor", "address": "127.0.0.1:${MONITOR}",
                   "stream_filters": [{"type": "flowControlFilter", "config": {"global_switch": true, "monitor": true, "limit_key_type": "URI",
                     "rules": [{"resource": "/watched?x=1", "grade": 1, "count": 0}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "fast"}}]}]},
                  {"name": "h2", "address": "127.0.0.1:${H2}",
                   "stream_filters": [{"type": "flowControlFilter", "config": {"global_switch": true, "action": {"status": 429, "body": "slow down"},
                     "rules": [{"resource": "/h2", "grade": 1, "count": 1}]}}],
                   "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2", "upstream_protocol": "Http1", "router_config_name": "fast"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "fast", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${FAST}"}]},
                {"name": "slow", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${SLOW}"}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    private static NettyHttpBackend fast;
    private static NettyHttpBackend slow;
    private static MosnProcess mosn;
    private static int conc;
    private static int monitor;
    private static int h2;
    private static int admin;

    @BeforeAll
    static void start() throws Exception {
        // the sample's server.go: "success" on /test (and here on every path, with the path, to tell them apart)
        fast = NettyHttpBackend.start("fast", r -> NettyHttpBackend.Response.text(200, r.uri().equals("/test") ? "success" : "ok " + r.uri()));
        slow = NettyHttpBackend.start("slow");
        conc = freePort();
        monitor = freePort();
        h2 = freePort();
        admin = freePort();
        Path log = Path.of("target", "sentinel-it").toAbsolutePath();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("CONC", conc, "MONITOR", monitor, "H2", h2, "ADMIN", admin,
                "FAST", fast.address(), "SLOW", slow.address(), "LOG", log))).waitFor(conc, monitor, h2, admin).probe(conc).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                Files.writeString(Path.of("target", "FlowControlTest-mosn.log"), mosn.output());
                assertThat(mosn.stop()).as("mosn exit code; output:\n%s", mosn.output()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (slow != null) {
                slow.close();
            }
            if (fast != null) {
                fast.close();
            }
        }
    }

    @Test
    void mosnsSampleBlocksTheRestOfABurstOnTestAndLetsOtherPathsThrough() throws Exception {
        int port = freePort();
        try (MosnProcess sample = MosnProcess.startHttp(render(SAMPLE, vars("PORT", port, "BACKEND", fast.port(), "ADMIN", freePort())), port);
             RawHttpClient c = RawHttpClient.connect(port)) {
            // as the sample's mockrequest.sh: the first request succeeds, the next ones within the second are blocked
            RawResponse first = c.get("/test");
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.bodyText()).isEqualTo("success");
            for (int i = 0; i < 3; i++) {
                RawResponse blocked = c.get("/test");
                assertThat(blocked.status()).isEqualTo(500);
                assertThat(blocked.bodyText()).isEqualTo("blocked");
            }
            for (int i = 0; i < 5; i++) {
                RawResponse other = c.get("/other");
                assertThat(other.status()).isEqualTo(200);
                assertThat(other.bodyText()).isEqualTo("ok /other");
            }
            // a query string is not part of PATH: still /test, still blocked
            assertThat(c.get("/test?x=1").status()).isEqualTo(500);
            assertThat(Path.of("/tmp/sentinel/sentinel-block.log")).as("Sentinel logs where log_path says").exists();
            assertThat(sample.stop()).isZero();
        }
    }

    @Test
    void aConcurrencyRuleFreesItsSlotWhenARequestEndsOrTheClientGoesAway() throws Exception {
        CompletableFuture<Void> gate = slow.holdResponses();
        List<RawHttpClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                RawHttpClient c = RawHttpClient.connect(conc);
                c.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
                held.add(c);
            }
            awaitRequests(slow, 2);
            // both slots taken: MOSN's default answer, 509 "current request is limited"
            try (RawHttpClient c = RawHttpClient.connect(conc)) {
                RawResponse r = c.get("/held");
                assertThat(r.status()).isEqualTo(509);
                assertThat(r.bodyText()).isEqualTo("current request is limited");
            }
            // a client that goes away mid-request frees its slot (the stream is reset, its entry left)
            held.removeFirst().close();
            boolean passed = false;
            for (int attempt = 0; attempt < 40 && !passed; attempt++) {
                RawHttpClient c = RawHttpClient.connect(conc, 250);
                held.add(c);
                c.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
                try {
                    assertThat(c.readResponse().status()).isEqualTo(509); // not freed yet
                } catch (java.net.SocketTimeoutException e) {
                    passed = true; // no answer: forwarded, and held by the backend with the other one
                }
            }
            assertThat(passed).as("a slot freed by the reset").isTrue();
            awaitRequests(slow, 3);
        } finally {
            gate.complete(null);
            for (RawHttpClient c : held) {
                c.close();
            }
        }
        // the held requests complete (or their clients leave): every slot is free again
        for (int i = 0; i < 3; i++) {
            try (RawHttpClient c = RawHttpClient.connect(conc)) {
                assertThat(c.get("/held").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void monitorModeCountsWhatWouldBeBlockedAndLetsItThrough() throws Exception {
        try (RawHttpClient c = RawHttpClient.connect(monitor)) {
            for (int i = 0; i < 4; i++) {
                RawResponse r = c.get("/watched?x=1");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("ok /watched?x=1");
            }
        }
        PromText stats = PromText.scrape(admin);
        assertThat(stats.value("flow_control_request_monitored", Map.of("listener", "monitor"))).isEqualTo(4);
        assertThat(stats.value("flow_control_request_blocked", Map.of("listener", "monitor"))).isZero();
    }

    @Test
    void http2RequestsAreLimitedByPathToo() throws Exception {
        try (H2Peers.Client c = new H2Peers.Client(h2)) {
            H2Peers.Response first = c.request(H2Peers.get("/h2", h2), null, null).get(10, TimeUnit.SECONDS);
            assertThat(first.status()).isEqualTo(200);
            H2Peers.Response second = c.request(H2Peers.get("/h2", h2), null, null).get(10, TimeUnit.SECONDS);
            assertThat(second.status()).isEqualTo(429);
            assertThat(second.text()).isEqualTo("slow down");
            assertThat(c.request(H2Peers.get("/h2other", h2), null, null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        assertThat(PromText.scrape(admin).value("flow_control_request_blocked", Map.of("listener", "h2"))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aBadRuleIsRefusedNamingItsField() throws Exception {
        String config = render(SAMPLE, vars("PORT", freePort(), "BACKEND", fast.port(), "ADMIN", freePort()))
                .replace("\"grade\": 1", "\"grade\": 7");
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(60), "start", "-c", MosnProcess.writeTemp("bad.json", config).toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.stderr()).contains("servers[0].listeners[0].stream_filters[0].config.rules[0].grade: must be 0 (requests in flight) or 1 (QPS), got 7");
        assertThat(r.all()).doesNotContain("\tat ");
    }

    private static void awaitRequests(NettyHttpBackend backend, int n) throws InterruptedException {
        for (int i = 0; i < 200 && backend.requests.get() < n; i++) {
            Thread.sleep(25);
        }
        assertThat(backend.requests.get()).as("requests the backend holds").isGreaterThanOrEqualTo(n);
    }
}
