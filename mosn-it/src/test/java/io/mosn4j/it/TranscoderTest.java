package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.remoting.AsyncContext;
import com.alipay.remoting.BizContext;
import com.alipay.remoting.CustomSerializerManager;
import com.alipay.remoting.DefaultCustomSerializer;
import com.alipay.remoting.rpc.RequestCommand;
import com.alipay.remoting.rpc.ResponseCommand;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.protocol.AsyncUserProcessor;
import com.alipay.remoting.rpc.protocol.RpcRequestCommand;
import com.alipay.remoting.rpc.protocol.RpcResponseCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * MOSN's {@code transcoder} stream filter through the real {@code bin/mosn}: curl speaks HTTP/1 to
 * mosn, a real SOFABolt server answers in bolt. First MOSN's examples/codes/filter/transcoder
 * (client_config.json and server_config.json, two mosn processes, ports changed only) with
 * SOFABolt in place of the sample's Go mock server; then a rule naming the bolt class a SOFABolt
 * processor serves, so the call reaches it and its answer comes back as HTTP; then bad configs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TranscoderTest {
    static {
        // as BoltProxyTest: keep SOFABolt's own logging setup (which fails on logback 1.5) out of the way
        System.setProperty("logback.middleware.log.disable", "true");
        System.setProperty("logging.path", Path.of("target", "bolt-logs").toAbsolutePath().toString());
        if (LoggerFactory.getLogger("com.alipay.sofa.common.log") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    /** examples/codes/filter/transcoder/client_config.json, ports changed only. */
    static final String CLIENT = """
            {
              "disable_upgrade": true,
              "servers": [
                {
                  "default_log_path": "stdout",
                  "default_log_level": "DEBUG",
                  "routers": [
                    {
                      "router_config_name": "client_router",
                      "virtual_hosts": [
                        {
                          "name": "clientHost",
                          "domains": [
                            "*"
                          ],
                          "routers": [
                            {
                              "match": {
                                "headers": [
                                  {
                                    "name": "service",
                                    "value": ".*"
                                  }
                                ]
                              },
                              "route": {
                                "cluster_name": "clientCluster"
                              }
                            }
                          ]
                        }
                      ]
                    }
                  ],
                  "listeners": [
                    {
                      "name": "clientListener",
                      "address": "127.0.0.1:${CLIENT_PORT}",
                      "bind_port": true,
                      "log_path": "stdout",
                      "filter_chains": [
                        {
                          "tls_context": {},
                          "filters": [
                            {
                              "type": "proxy",
                              "config": {
                                "downstream_protocol": "Http1",
                                "upstream_protocol": "X",
                                "router_config_name": "client_router",
                                "extend_config": {
                                  "sub_protocol": "bolt"
                                }
                              }
                            }
                          ]
                        }
                      ],
                      "stream_filters": [
                        {
                          "type": "transcoder",
                          "config": {
                            "type": "http2bolt_simple"
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
                    "Name": "clientCluster",
                    "type": "SIMPLE",
                    "lb_type": "LB_RANDOM",
                    "max_request_per_conn": 1024,
                    "conn_buffer_limit_bytes": 32768,
                    "hosts": [
                      {
                        "address": "127.0.0.1:${SERVER_PORT}"
                      }
                    ]
                  }
                ]
              },
              "tracing": {
                "enable": true,
                "driver": "SOFATracer"
              }
            }
            """;

    /** examples/codes/filter/transcoder/server_config.json, ports changed only. */
    static final String SERVER = """
            {
              "disable_upgrade": true,
              "servers": [
                {
                  "default_log_path": "stdout",
                  "default_log_level": "DEBUG",
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
                                "headers": [
                                  {
                                    "name": "service",
                                    "value": ".*"
                                  }
                                ]
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
                      "address": "127.0.0.1:${SERVER_PORT}",
                      "bind_port": true,
                      "log_path": "stdout",
                      "filter_chains": [
                        {
                          "tls_context": {},
                          "filters": [
                            {
                              "type": "proxy",
                              "config": {
                                "downstream_protocol": "bolt",
                                "router_config_name": "server_router"
                              }
                            }
                          ]
                        }
                      ]
                    }
                  ]
                }
              ],
              "cluster_manager": {
                "clusters": [
                  {
                    "Name": "serverCluster",
                    "type": "SIMPLE",
                    "lb_type": "LB_RANDOM",
                    "max_request_per_conn": 1024,
                    "conn_buffer_limit_bytes": 32768,
                    "hosts": [
                      {
                        "address": "127.0.0.1:${BOLT_PORT}"
                      }
                    ]
                  }
                ]
              },
              "tracing": {
                "enable": true,
                "driver": "SOFATracer"
              }
            }
            """;

    static final String RULES = """
            {"servers": [{"default_log_path": "stdout", "processor": 1,
              "routers": [{"router_config_name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"], "routers": [
                {"match": {"prefix": "/"}, "route": {"cluster_name": "bolt"}}]}]}],
              "listeners": [{"name": "l", "address": "127.0.0.1:${PORT}", "per_connection_buffer_limit_bytes": 4096,
                "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1",
                  "upstream_protocol": "X", "extend_config": {"sub_protocol": "bolt"}, "router_config_name": "r"}}]}],
                "stream_filters": [{"type": "transcoder", "config": {
                  "rules": [{"matcher_config": {"matcher_type": "simpleMatcher", "config": {"name": "service", "value": "echo"}},
                             "rule_info": {"upstream_protocol": "bolt", "description": "HTTP to the echo service",
                                           "config": {"class": "${CLASS}", "timeout": "3s"}}}],
                  "trans": {"receiver_phase": 1}}}]},
               {"name": "h2", "address": "127.0.0.1:${H2_PORT}",
                "filter_chains": [{"filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2",
                  "upstream_protocol": "bolt", "router_config_name": "r"}}]}],
                "stream_filters": [{"type": "transcoder", "config": {"rules": [{"matcher_config": {"matcher_type": "simpleMatcher"},
                  "rule_info": {"upstream_protocol": "bolt", "config": {"class": "${CLASS}"}}}]}}]}]}],
             "cluster_manager": {"clusters": [{"name": "bolt", "type": "SIMPLE", "lb_type": "LB_RANDOM",
               "hosts": [{"address": "127.0.0.1:${BOLT_PORT}"}]}]}}
            """;

    /** What the SOFABolt processor receives: the bolt content as text and the header map. */
    public static final class HttpCall {
        final String body;
        final Map<String, String> headers;

        HttpCall(String body, Map<String, String> headers) {
            this.body = body;
            this.headers = headers;
        }
    }

    /** What it answers: content and header map of the bolt response. */
    public static final class HttpReply {
        final String body;
        final Map<String, String> headers;

        HttpReply(String body, Map<String, String> headers) {
            this.body = body;
            this.headers = headers;
        }
    }

    /** Raw bytes in, raw bytes out: a bolt service that is not Hessian2, as SOFABolt's custom serializers allow. */
    static final class RawSerializer extends DefaultCustomSerializer {
        @Override
        public <T extends ResponseCommand> boolean serializeHeader(T response) {
            if (response instanceof RpcResponseCommand r && r.getResponseObject() instanceof HttpReply reply) {
                r.setHeader(BoltWire.encodeHeaders(reply.headers));
                return true;
            }
            return false;
        }

        @Override
        public <T extends RequestCommand> boolean deserializeHeader(T request) {
            if (request instanceof RpcRequestCommand r) {
                r.setRequestHeader(r.getHeader() == null ? Map.of() : BoltWire.decodeHeaders(r.getHeader()));
                return true;
            }
            return false;
        }

        @Override
        public <T extends ResponseCommand> boolean serializeContent(T response) {
            if (response instanceof RpcResponseCommand r && r.getResponseObject() instanceof HttpReply reply) {
                r.setContent(reply.body.getBytes(StandardCharsets.UTF_8));
                return true;
            }
            return false;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends RequestCommand> boolean deserializeContent(T request) {
            if (request instanceof RpcRequestCommand r) {
                byte[] c = r.getContent() == null ? new byte[0] : r.getContent();
                r.setRequestObject(new HttpCall(new String(c, StandardCharsets.UTF_8), (Map<String, String>) r.getRequestHeader()));
                return true;
            }
            return false;
        }
    }

    static final class EchoService extends AsyncUserProcessor<HttpCall> {
        @Override
        public void handleRequest(BizContext biz, AsyncContext async, HttpCall call) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("origin", "bolt");
            h.put("x-seen-service", String.valueOf(call.headers.get("service")));
            h.put("x-seen-host", String.valueOf(call.headers.get("host")));
            if (call.body.equals("fail")) {
                throw new IllegalStateException("asked to fail");
            }
            async.sendResponse(new HttpReply("echo:" + call.body, h));
        }

        @Override
        public String interest() {
            return HttpCall.class.getName();
        }
    }

    private static RpcServer bolt;
    private static int boltPort;

    @BeforeAll
    static void startBolt() {
        synchronized (CustomSerializerManager.class) {
            for (Class<?> c : List.of(HttpCall.class, HttpReply.class)) {
                if (CustomSerializerManager.getCustomSerializer(c.getName()) == null) {
                    CustomSerializerManager.registerCustomSerializer(c.getName(), new RawSerializer());
                }
            }
        }
        boltPort = freePort();
        bolt = new RpcServer("127.0.0.1", boltPort);
        bolt.registerUserProcessor(new EchoService());
        bolt.startup();
    }

    @AfterAll
    static void stopBolt() {
        if (bolt != null) {
            bolt.shutdown();
        }
    }

    @Test
    void mosnsTranscoderSampleCarriesTheCallToSofaBolt() throws Exception {
        int client = freePort();
        int server = freePort();
        Map<String, Object> v = vars("CLIENT_PORT", client, "SERVER_PORT", server, "BOLT_PORT", boltPort);
        try (MosnProcess serverSide = MosnProcess.builder().config(render(SERVER, v)).fileName("server_config.json").waitFor(server).start();
             MosnProcess clientSide = MosnProcess.startHttp(render(CLIENT, v), client)) {
            // HTTP/1 in, bolt between the two mosn and to the server. MOSN's http2bolt_simple sends no class
            // name, and a SOFABolt server has no processor for none: its error status comes back as MOSN's
            // transcoder renders it, a 500
            Curl.Result r = Curl.run("-i", "http://127.0.0.1:" + client + "/hello", "-H", "service:test");
            assertThat(r.stdout()).as(r.stderr()).startsWith("HTTP/1.1 500");
        }
    }

    /**
     * MOSN's transcoder sample as its README runs it: its bolt server ({@code server.go}) answers every
     * call with a success, whatever its class; so does this byte-level bolt server. The README's curl
     * gets the answer.
     */
    @Test
    void mosnsTranscoderSampleAnswersTheReadmesCurl() throws Exception {
        int client = freePort();
        int server = freePort();
        try (RpcUpstream mock = new RpcUpstream(RpcWire.BOLT, RpcUpstream.Mode.ECHO)) {
            Map<String, Object> v = vars("CLIENT_PORT", client, "SERVER_PORT", server, "BOLT_PORT", mock.port());
            try (MosnProcess serverSide = MosnProcess.builder().config(render(SERVER, v)).fileName("server_config.json").waitFor(server).start();
                 MosnProcess clientSide = MosnProcess.startHttp(render(CLIENT, v), client)) {
                Curl.Result r = Curl.run("-i", "http://127.0.0.1:" + client + "/hello", "-H", "service:test");
                assertThat(r.stdout()).as(r.stderr()).startsWith("HTTP/1.1 200");
                assertThat(mock.answered.get()).as("bolt calls the mock server answered").isEqualTo(1);
            }
        }
    }

    @Test
    void anHttpClientCallsABoltService() throws Exception {
        int port = freePort();
        int h2Port = freePort();
        String config = render(RULES, vars("PORT", port, "H2_PORT", h2Port, "BOLT_PORT", boltPort, "CLASS", HttpCall.class.getName()));
        try (MosnProcess mosn = MosnProcess.builder().config(config).waitFor(port, h2Port).probe(port).start()) {
            String url = "http://127.0.0.1:" + port + "/call";
            Curl.Result ok = Curl.run("-i", url, "-H", "service: echo", "--data-binary", "hello bolt");
            assertThat(ok.stdout()).as(ok.stderr()).startsWith("HTTP/1.1 200")
                    .contains("origin: bolt").contains("x-seen-service: echo").contains("x-seen-host: 127.0.0.1:" + port)
                    .endsWith("echo:hello bolt");
            // a GET without a body is a call with empty content
            assertThat(Curl.run(url, "-H", "service: echo").stdout()).isEqualTo("echo:");
            // the service throws: bolt's server-exception status becomes a 500
            assertThat(Curl.run("-i", url, "-H", "service: echo", "--data-binary", "fail").stdout()).startsWith("HTTP/1.1 500");
            // the body is gathered into one bolt frame, within the listener's buffer limit
            Curl.Result big = Curl.run("-i", url, "-H", "service: echo", "--data-binary", "x".repeat(5000));
            assertThat(big.stdout()).startsWith("HTTP/1.1 413").contains("too large to transcode");
            assertThat(Curl.run(url, "-H", "service: echo", "--data-binary", "y".repeat(4000)).stdout()).isEqualTo("echo:" + "y".repeat(4000));
            // an HTTP/2 client: MOSN's rule type Http2_bolt, the same conversion
            Curl.Result h2 = Curl.run("-i", "--http2-prior-knowledge", "http://127.0.0.1:" + h2Port + "/call", "--data-binary", "over h2");
            assertThat(h2.stdout()).as(h2.stderr()).startsWith("HTTP/2 200").contains("origin: bolt").endsWith("echo:over h2");
            // no rule matches: the HTTP request is not converted, and the bolt upstream cannot take it
            assertThat(Curl.run("-i", url, "-H", "service: other").stdout()).startsWith("HTTP/1.1 502");
        }
    }

    @Test
    void badConfigsAreRefusedNamingTheField() throws Exception {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        String good = render(RULES, vars("PORT", freePort(), "H2_PORT", freePort(), "BOLT_PORT", freePort(), "CLASS", "c"));
        refused(good.replace("\"rules\"", "\"type\": \"json2bolt\", \"rulez\""), at + "type: unknown transcoder \"json2bolt\"");
        refused(good.replace("simpleMatcher", "regexMatcher"), at + "rules[0].matcher_config.matcher_type: unknown matcher");
        refused(good.replace("\"upstream_protocol\": \"bolt\", \"description\"", "\"upstream_protocol\": \"dubbo\", \"description\""),
                at + "rules[0].rule_info.upstream_protocol: no transcoder converts requests to \"dubbo\"");
        refused(good.replace("\"3s\"", "\"soon\""), at + "rules[0].rule_info.config.timeout");
    }

    private static void refused(String config, String message) throws Exception {
        Path file = MosnProcess.writeTemp("transcoder.json", config);
        MosnProcess.Result r = MosnProcess.run(Duration.ofSeconds(30), "start", "-c", file.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
        assertThat(r.all()).contains(message).doesNotContain("Exception");
    }
}
