package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MOSN's examples/codes/http-sample, unchanged but for ports (and the admin address, kept on
 * 127.0.0.1): a client-side listener forwarding to a server-side listener forwarding to an HTTP
 * server that, like the sample's server.go, answers with {@code Connection: close} and a dump of
 * the request. Run as two processes (client_config.json + server_config.json), as one process with
 * both listeners (routers under servers[].routers), as the sample's config.json shape (inline
 * connection_manager, "Name" keys, tls_context {}), and as YAML.
 */
class HttpSampleTest {
    /** examples/codes/http-sample/client_config.json. */
    static final String CLIENT_CONFIG = """
            {
            	"disable_upgrade" : true,
            	"servers":[
            		{
            			"default_log_path":"stdout",
            			"routers":[
            				{
            					"router_config_name":"client_router",
            					"virtual_hosts":[{
            						"name":"clientHost",
            						"domains": ["*"],
            						"routers": [
            							{
            								"match":{"prefix":"/"},
            								"route":{"cluster_name":"clientCluster"}
            							}
            						]
            					}]

            				}
            			],
            			"listeners":[
            				{
            					"name":"clientListener",
            					"address": "127.0.0.1:${CLIENT_PORT}",
            					"bind_port": true,
            					"filter_chains": [{
            						"filters": [
            							{
            								"type": "proxy",
            								"config": {
            									"downstream_protocol": "Http1",
            									"router_config_name":"client_router"
            								}
            							}
            						]
            					}]
            				}
            			]
            		}
            	],
            	"cluster_manager":{
            		"clusters":[
            			{
            				"name": "clientCluster",
            				"type": "SIMPLE",
            				"lb_type": "LB_RANDOM",
            				"max_request_per_conn": 1024,
            				"conn_buffer_limit_bytes":32768,
            				"hosts":[
            					{"address":"127.0.0.1:${SERVER_PORT}"}
            				]
            			}
            		]
            	},
            	"admin": {
            		"address": {
            			"socket_address": {
            				"address": "127.0.0.1",
            				"port_value": ${ADMIN_PORT}
            			}
            		}
            	}
            }
            """;

    /** examples/codes/http-sample/server_config.json. */
    static final String SERVER_CONFIG = """
            {
            	"disable_upgrade" : true,
            	"servers":[
            		{
            			"default_log_path":"stdout",
            			"routers":[
            				{
            					"router_config_name":"server_router",
            					"virtual_hosts":[{
            						"name":"serverHost",
            						"domains": ["*"],
            						"routers": [
            							{
            								"match":{"prefix":"/"},
            								"route":{"cluster_name":"serverCluster"}
            							}
            						]
            					}]
            				}
            			],
            			"listeners":[
            				{
            					"name":"serverListener",
            					"address": "127.0.0.1:${SERVER_PORT}",
            					"bind_port": true,
            					"filter_chains": [{
            						"filters": [
            							{
            								"type": "proxy",
            								"config": {
            									"downstream_protocol": "Http1",
            									"upstream_protocol": "Http1",
            									"router_config_name":"server_router"
            								}
            							}
            						]
            					}]
            				}
            			]
            		}
            	],
            	"cluster_manager":{
            		"clusters":[
            			{
            				"name":"serverCluster",
            				"type": "SIMPLE",
            				"lb_type": "LB_RANDOM",
            				"max_request_per_conn": 1024,
            				"conn_buffer_limit_bytes":32768,
            				"hosts":[
            					{"address":"127.0.0.1:${BACKEND_PORT}"}
            				]
            			}
            		]
            	},
            	"admin": {
            		"address": {
            			"socket_address": {
            				"address": "127.0.0.1",
            				"port_value": ${ADMIN_PORT}
            			}
            		}
            	}
            }
            """;

    /** Both sides in one process, routers under servers[0].routers. */
    static final String ONE_PROCESS_CONFIG = """
            {
              "servers": [
                {
                  "default_log_path": "stdout",
                  "routers": [
                    {
                      "router_config_name": "server_router",
                      "virtual_hosts": [{"name": "serverHost", "domains": ["*"],
                        "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "serverCluster"}}]}]
                    },
                    {
                      "router_config_name": "client_router",
                      "virtual_hosts": [{"name": "clientHost", "domains": ["*"],
                        "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "clientCluster"}}]}]
                    }
                  ],
                  "listeners": [
                    {
                      "name": "serverListener",
                      "address": "127.0.0.1:${SERVER_PORT}",
                      "bind_port": true,
                      "filter_chains": [{"filters": [{"type": "proxy", "config": {
                        "downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "server_router"}}]}]
                    },
                    {
                      "name": "clientListener",
                      "address": "127.0.0.1:${CLIENT_PORT}",
                      "bind_port": true,
                      "filter_chains": [{"filters": [{"type": "proxy", "config": {
                        "downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "client_router"}}]}]
                    }
                  ]
                }
              ],
              "cluster_manager": {
                "clusters": [
                  {"name": "serverCluster", "type": "SIMPLE", "lb_type": "LB_RANDOM", "max_request_per_conn": 1024,
                   "conn_buffer_limit_bytes": 32768, "hosts": [{"address": "127.0.0.1:${BACKEND_PORT}"}]},
                  {"name": "clientCluster", "type": "SIMPLE", "lb_type": "LB_RANDOM", "max_request_per_conn": 1024,
                   "conn_buffer_limit_bytes": 32768, "hosts": [{"address": "127.0.0.1:${SERVER_PORT}"}]}
                ]
              },
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN_PORT}}}}
            }
            """;

    /**
     * examples/codes/http-sample/config.json (inline connection_manager, "Name" keys, log_path,
     * tls_context {}), with its Http2 legs spoken as Http1 (HTTP/2 is not built yet).
     */
    static final String INLINE_CONFIG = """
            {
              "servers":[
                 {
                   "default_log_path":"stdout",
                   "listeners":[
                      {
            	    "name":"serverListener",
            	    "address": "127.0.0.1:${SERVER_PORT}",
            	    "bind_port": true,
            	    "log_path": "stdout",
            	    "filter_chains": [{
            	       "tls_context":{},
            	       "filters": [
            			 {
            	           "type": "proxy",
            		   "config": {
            		      "downstream_protocol": "Http1",
            		      "upstream_protocol": "Http1",
            			 "router_config_name":"server_router"

            		   }
            			 },
            			 {
            			 "type":"connection_manager",
            			 "config":{
            			   "router_config_name":"server_router",
            			   "virtual_hosts":[{
            				 "name":"serverHost",
            				 "domains": ["*"],
            				 "routers": [
            				   {
            					 "match":{"prefix":"/"},
            					 "route":{"cluster_name":"serverCluster"}
            				   }
            				 ]
            			   }]

            			 }
            			 }]
            	    }]
            	  },
            	  {
            	    "name":"clientListener",
            	    "address": "127.0.0.1:${CLIENT_PORT}",
            	    "bind_port": true,
            	    "log_path": "stdout",
            	    "filter_chains": [{
            	       "tls_context":{},
            	       "filters": [
            			 {
            	           "type": "proxy",
            			 "config": {
            				"downstream_protocol": "Http1",
            				"upstream_protocol": "Http1",
            			   "router_config_name":"client_router"
            			 }
            	       },
            			 {
            			   "type":"connection_manager",
            			   "config":{
            				 "router_config_name":"client_router",
            				 "virtual_hosts":[{
            				   "name":"clientHost",
            				   "domains": ["*"],
            				   "routers": [
            					 {
            					   "match":{"prefix":"/"},
            					   "route":{"cluster_name":"clientCluster"}
            					 }
            				   ]
            				 }]
            			   }
            		   }
            		   ]
            	    }]
            	  }
                   ]
                 }
              ],
              "cluster_manager":{
                 "clusters":[
                    {
            	  "Name":"serverCluster",
            	  "type": "SIMPLE",
            	  "lb_type": "LB_RANDOM",
            	  "max_request_per_conn": 1024,
            	  "conn_buffer_limit_bytes":32768,
            	  "hosts":[
            	     {"address":"127.0.0.1:${BACKEND_PORT}"}
            	  ]
            	},
            	{
            	  "Name": "clientCluster",
            	  "type": "SIMPLE",
            	  "lb_type": "LB_RANDOM",
            	  "max_request_per_conn": 1024,
            	  "conn_buffer_limit_bytes":32768,
            	  "hosts":[
            	     {"address":"127.0.0.1:${SERVER_PORT}"}
            	  ]
            	}
                 ]
              },
              "admin": {
                "address": {
                  "socket_address": {
                    "address": "127.0.0.1",
                    "port_value": ${ADMIN_PORT}
                  }
                }
              }
            }
            """;

    static final String YAML_CONFIG = """
            servers:
              - default_log_path: stdout
                routers:
                  - router_config_name: server_router
                    virtual_hosts:
                      - name: serverHost
                        domains: ["*"]
                        routers:
                          - match: {prefix: /}
                            route: {cluster_name: serverCluster}
                  - router_config_name: client_router
                    virtual_hosts:
                      - name: clientHost
                        domains: ["*"]
                        routers:
                          - match: {prefix: /}
                            route: {cluster_name: clientCluster}
                listeners:
                  - name: serverListener
                    address: 127.0.0.1:${SERVER_PORT}
                    bind_port: true
                    filter_chains:
                      - filters:
                          - type: proxy
                            config:
                              downstream_protocol: Http1
                              upstream_protocol: Http1
                              router_config_name: server_router
                  - name: clientListener
                    address: 127.0.0.1:${CLIENT_PORT}
                    bind_port: true
                    filter_chains:
                      - filters:
                          - type: proxy
                            config:
                              downstream_protocol: Http1
                              upstream_protocol: Http1
                              router_config_name: client_router
            cluster_manager:
              clusters:
                - name: serverCluster
                  type: SIMPLE
                  lb_type: LB_RANDOM
                  max_request_per_conn: 1024
                  conn_buffer_limit_bytes: 32768
                  hosts:
                    - address: 127.0.0.1:${BACKEND_PORT}
                - name: clientCluster
                  type: SIMPLE
                  lb_type: LB_RANDOM
                  max_request_per_conn: 1024
                  conn_buffer_limit_bytes: 32768
                  hosts:
                    - address: 127.0.0.1:${SERVER_PORT}
            admin:
              address:
                socket_address:
                  address: 127.0.0.1
                  port_value: ${ADMIN_PORT}
            """;

    private static HttpServer backend;
    private static ExecutorService backendThreads;
    private static final AtomicInteger backendRequests = new AtomicInteger();
    private static HttpClient client;

    @BeforeAll
    static void startBackend() throws IOException {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        backendThreads = Executors.newFixedThreadPool(8);
        backend.setExecutor(backendThreads);
        backend.createContext("/", HttpSampleTest::serveLikeServerGo);
        backend.start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopBackend() {
        backend.stop(0);
        backendThreads.shutdownNow();
        client.close();
    }

    /** What the sample's server.go answers: Connection: close and a dump of the request. */
    private static void serveLikeServerGo(HttpExchange ex) throws IOException {
        backendRequests.incrementAndGet();
        byte[] reqBody = ex.getRequestBody().readAllBytes();
        StringBuilder sb = new StringBuilder();
        sb.append("Method: ").append(ex.getRequestMethod()).append('\n');
        sb.append("Protocol: ").append(ex.getProtocol()).append('\n');
        sb.append("Host: ").append(ex.getRequestHeaders().getFirst("Host")).append('\n');
        sb.append("RequestURI: \"").append(ex.getRequestURI()).append("\"\n");
        sb.append("Body.ContentLength: ").append(reqBody.length).append('\n');
        sb.append("Body: ").append(new String(reqBody, StandardCharsets.UTF_8)).append('\n');
        sb.append("\nHeaders:\n");
        ex.getRequestHeaders().forEach((k, v) -> sb.append(k).append(": ").append(String.join(",", v)).append("\r\n"));
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.getResponseHeaders().set("Connection", "close");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private static int backendPort() {
        return backend.getAddress().getPort();
    }

    @Test
    void twoProcessesClientMosnToServerMosnToBackend() throws Exception {
        int clientPort = freePort();
        int serverPort = freePort();
        int clientAdmin = freePort();
        int serverAdmin = freePort();
        String server = render(SERVER_CONFIG, vars("SERVER_PORT", serverPort, "BACKEND_PORT", backendPort(), "ADMIN_PORT", serverAdmin));
        String clientCfg = render(CLIENT_CONFIG, vars("CLIENT_PORT", clientPort, "SERVER_PORT", serverPort, "ADMIN_PORT", clientAdmin));
        try (MosnProcess serverMosn = MosnProcess.builder().config(server).fileName("server_config.json")
                     .waitFor(serverPort, serverAdmin).probe(serverPort).start();
             MosnProcess clientMosn = MosnProcess.builder().config(clientCfg).fileName("client_config.json")
                     .waitFor(clientPort, clientAdmin).probe(clientPort).start()) {
            exerciseSample(clientPort);
            JsonNode clientDump = configDump(clientAdmin);
            assertThat(clientDump.toString()).contains("clientListener", "clientCluster", "client_router").doesNotContain("serverCluster");
            JsonNode serverDump = configDump(serverAdmin);
            assertThat(serverDump.toString()).contains("serverListener", "serverCluster", "server_router").doesNotContain("clientCluster");
            clientMosn.stopCleanly();
            serverMosn.stopCleanly();
        }
    }

    @Test
    void oneProcessWithBothListeners() throws Exception {
        runOneProcess(ONE_PROCESS_CONFIG, "config.json");
    }

    @Test
    void sampleConfigJsonShapeWithInlineConnectionManager() throws Exception {
        runOneProcess(INLINE_CONFIG, "config.json");
    }

    @Test
    void yamlConfig() throws Exception {
        runOneProcess(YAML_CONFIG, "config.yaml");
    }

    private void runOneProcess(String template, String fileName) throws Exception {
        int clientPort = freePort();
        int serverPort = freePort();
        int admin = freePort();
        String cfg = render(template, vars("CLIENT_PORT", clientPort, "SERVER_PORT", serverPort, "BACKEND_PORT", backendPort(), "ADMIN_PORT", admin));
        try (MosnProcess mosn = MosnProcess.builder().config(cfg).fileName(fileName)
                .waitFor(serverPort, clientPort, admin).probe(clientPort).start()) {
            exerciseSample(clientPort);
            // the server-side listener also works on its own
            HttpResponse<String> direct = client.send(get(serverPort, "/direct"), HttpResponse.BodyHandlers.ofString());
            assertThat(direct.statusCode()).isEqualTo(200);
            assertThat(direct.body()).contains("RequestURI: \"/direct\"");
            JsonNode dump = configDump(admin);
            assertThat(dump.toString()).contains("clientListener", "serverListener", "clientCluster", "serverCluster");
            assertThat(dump.toString()).contains("LB_RANDOM").contains("1024").contains("32768");
            mosn.stopCleanly();
        }
    }

    /** What a user of the sample does: GETs and a POST through the client listener. */
    private void exerciseSample(int clientPort) throws Exception {
        int before = backendRequests.get();
        HttpResponse<String> r = client.send(get(clientPort, "/hello?x=1"), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("Method: GET", "RequestURI: \"/hello?x=1\"", "Host: 127.0.0.1:" + clientPort);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain");

        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort + "/post"))
                        .timeout(Duration.ofSeconds(10)).header("x-sample", "yes")
                        .POST(HttpRequest.BodyPublishers.ofString("hello mosn")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(post.body()).contains("Method: POST", "Body.ContentLength: 10", "Body: hello mosn").containsIgnoringCase("x-sample: yes");

        // the backend closes every connection (Connection: close): repeated requests must still work
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            statuses.add(client.send(get(clientPort, "/n/" + i), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertThat(statuses).containsOnly(200);
        assertThat(backendRequests.get() - before).isEqualTo(22);

        if (Curl.available()) {
            Curl.Result c = Curl.run("-i", "http://127.0.0.1:" + clientPort + "/curl");
            assertThat(c.exitCode()).as(c.stderr()).isZero();
            assertThat(c.stdout()).startsWith("HTTP/1.1 200").contains("RequestURI: \"/curl\"");
        }
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void adminAnswersOnlyItsApi() throws Exception {
        int clientPort = freePort();
        int serverPort = freePort();
        int admin = freePort();
        String cfg = render(ONE_PROCESS_CONFIG, vars("CLIENT_PORT", clientPort, "SERVER_PORT", serverPort, "BACKEND_PORT", backendPort(), "ADMIN_PORT", admin));
        try (MosnProcess mosn = MosnProcess.builder().config(cfg).waitFor(serverPort, clientPort, admin).probe(clientPort, admin).start()) {
            assertThat(client.send(get(admin, "/no/such/api"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/v1/config_dump"))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            JsonNode dump = configDump(admin);
            // the dump is a MOSN config: it names what the file named, in the file's structure
            assertThat(dump.path("servers").get(0).path("listeners").findValuesAsText("name")).contains("serverListener", "clientListener");
            assertThat(dump.path("cluster_manager").path("clusters").findValuesAsText("name")).contains("serverCluster", "clientCluster");
            mosn.stopCleanly();
        }
    }

    static final String RICH_CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout", "default_log_level": "INFO", "graceful_timeout": "1m30s", "processor": 2,
                "routers": [{"router_config_name": "r", "virtual_hosts": [
                  {"name": "v1", "domains": ["a.example.com", "*.b.example.com"], "routers": [
                    {"match": {"prefix": "/", "headers": [{"name": "x-env", "value": "^c.*", "regex": true}]}, "direct_response": {"status": 201, "body": "canary"}},
                    {"match": {"regex": "^/r/[0-9]+$"}, "route": {"cluster_name": "backend", "timeout": "1.5s"}}
                  ]},
                  {"name": "v2", "domains": ["*"], "routers": [
                    {"match": {"path": "/direct"}, "direct_response": {"status": 202, "body": "direct"}},
                    {"match": {"prefix": "/"}, "route": {"cluster_name": "backend", "timeout": "250ms"}}
                  ]}
                ]}],
                "listeners": [
                  {"name": "http", "address": "127.0.0.1:${HTTP_PORT}", "bind_port": true, "connection_idle_timeout": "90s",
                   "filter_chains": [{"tls_context": {}, "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "upstream_protocol": "Http1", "router_config_name": "r"}}]}]},
                  {"name": "tcp", "address": "127.0.0.1:${TCP_PORT}", "bind_port": true,
                   "filter_chains": [{"filters": [{"type": "tcp_proxy", "config": {"cluster": "backend", "idle_timeout": "30s",
                     "routes": [{"cluster": "backend", "destination_ports": "1-65535", "source_addrs": [{"address": "127.0.0.0", "length": 8}]}]}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "backend", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "connect_timeout": "1.5s", "max_request_per_conn": 100,
                 "conn_buffer_limit_bytes": 65536, "hosts": [{"address": "127.0.0.1:${BACKEND_PORT}", "weight": 3}]}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN_PORT}}}}
            }
            """;

    @Test
    void configDumpIsItselfALoadableConfig() throws Exception {
        int http = freePort();
        int tcp = freePort();
        int admin = freePort();
        String cfg = render(RICH_CONFIG, vars("HTTP_PORT", http, "TCP_PORT", tcp, "BACKEND_PORT", backendPort(), "ADMIN_PORT", admin));
        String dump;
        try (MosnProcess first = MosnProcess.builder().config(cfg).waitFor(http, tcp, admin).probe(http).start()) {
            dump = client.send(get(admin, "/api/v1/config_dump"), HttpResponse.BodyHandlers.ofString()).body();
            first.stopCleanly();
        }
        // the same config on fresh ports, loaded from the dump
        int http2 = freePort();
        int tcp2 = freePort();
        int admin2 = freePort();
        String reloaded = dump.replace("127.0.0.1:" + http, "127.0.0.1:" + http2).replace("127.0.0.1:" + tcp, "127.0.0.1:" + tcp2)
                .replace(Integer.toString(admin), Integer.toString(admin2));
        try (MosnProcess second = MosnProcess.builder().config(reloaded).fileName("dump.json").waitFor(http2, tcp2, admin2).probe(http2).start()) {
            try (RawHttpClient c = RawHttpClient.connect(http2)) {
                assertThat(c.get("/direct", "x").bodyText()).isEqualTo("direct");
                c.send("GET / HTTP/1.1\r\nHost: x.b.example.com\r\nx-env: canary\r\n\r\n");
                assertThat(c.readResponse().status()).isEqualTo(201);
                RawHttpClient.RawResponse r = c.get("/r/42", "a.example.com");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).contains("RequestURI: \"/r/42\"");
                assertThat(c.get("/r/x", "a.example.com").status()).isEqualTo(404);
            }
            JsonNode original = new ObjectMapper().readTree(dump);
            JsonNode again = new ObjectMapper().readTree(client.send(get(admin2, "/api/v1/config_dump"), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(again.toString().replace(Integer.toString(http2), "H").replace(Integer.toString(tcp2), "T").replace(Integer.toString(admin2), "A"))
                    .as("dump of the dump")
                    .isEqualTo(original.toString().replace(Integer.toString(http), "H").replace(Integer.toString(tcp), "T").replace(Integer.toString(admin), "A"));
            assertThat(dump).contains("1m30s").contains("1.5s").contains("250ms");
            second.stopCleanly();
        }
    }

    private static JsonNode configDump(int adminPort) throws Exception {
        HttpResponse<String> r = client.send(get(adminPort, "/api/v1/config_dump"), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).contains("json");
        JsonNode tree = new ObjectMapper().readTree(r.body());
        assertThat(tree.isObject()).isTrue();
        return tree;
    }
}
