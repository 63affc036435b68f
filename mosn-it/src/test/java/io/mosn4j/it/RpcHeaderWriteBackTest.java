package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.alipay.remoting.AsyncContext;
import com.alipay.remoting.BizContext;
import com.alipay.remoting.Connection;
import com.alipay.remoting.InvokeContext;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.exception.InvokeException;
import com.alipay.remoting.rpc.protocol.AsyncUserProcessor;
import io.mosn4j.it.plugin.HeaderEditFilter;
import io.mosn4j.it.plugin.PluginJar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A stream filter's changes to an RPC request's headers reach the server through the real
 * {@code bin/mosn}: a plugin filter ({@link HeaderEditFilter}, loaded from a
 * plugins folder, see {@link PluginJar}) sets and removes headers of SOFABolt requests, and
 * the SOFABolt server behind the proxy reads them in the bolt header map (bolt v1, and v2 with the
 * CRC that SOFABolt checks); a change to {@code service} before routing both routes the request
 * and reaches the server. The same filter's changes to a tars request reach a Tars server in its
 * context map. Requests through a listener without the filter arrive as sent.
 *
 * <p>Headers are decoded when first read (routing reads them): a bolt header map, a dubbo body
 * head or a tars context that cannot be decoded gets that one request the protocol's
 * deserialization error, and the same connection goes on serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RpcHeaderWriteBackTest {
    static {
        // as in BoltProxyTest: SOFABolt's logging setup cannot configure logback 1.5
        System.setProperty("logback.middleware.log.disable", "true");
        System.setProperty("logging.path", Path.of("target", "bolt-logs").toAbsolutePath().toString());
        if (LoggerFactory.getLogger("com.alipay.sofa.common.log") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{
                  "router_config_name": "rpc",
                  "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                    {"match": {"headers": [{"name": "service", "value": "svc.echo"}]}, "route": {"cluster_name": "server", "timeout": "5s"}},
                    {"match": {"headers": [{"name": "service", "value": "svc.rewritten"}]}, "route": {"cluster_name": "server", "timeout": "5s"}},
                    {"match": {"headers": [{"name": "service", "value": "App.Echo.Obj"}]}, "route": {"cluster_name": "tars_server", "timeout": "5s"}}
                  ]}]
                }],
                "listeners": [
                  {"name": "bolt_edit", "address": "127.0.0.1:${EDIT}",
                   "stream_filters": [{"type": "${FILTER}", "config": {"set": {"x-mosn-added": "from-filter", "x-keep": "overridden"}, "remove": ["x-drop"]}}],
                   "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]},
                  {"name": "boltv2_edit", "address": "127.0.0.1:${EDIT2}",
                   "stream_filters": [{"type": "${FILTER}", "config": {"set": {"x-mosn-added": "from-filter"}, "remove": ["x-drop"]}}],
                   "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "boltv2", "upstream_protocol": "boltv2", "router_config_name": "rpc"}}]}]},
                  {"name": "bolt_reroute", "address": "127.0.0.1:${REROUTE}",
                   "stream_filters": [{"type": "${FILTER}", "config": {"set": {"service": "svc.rewritten"}}}],
                   "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]},
                  {"name": "bolt_plain", "address": "127.0.0.1:${PLAIN}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc"}}]}]},
                  {"name": "tars_edit", "address": "127.0.0.1:${TARS}",
                   "stream_filters": [{"type": "${FILTER}", "config": {"set": {"x-mosn-added": "from-filter"}, "remove": ["x-drop"]}}],
                   "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "tars", "upstream_protocol": "tars", "router_config_name": "rpc"}}]}]},
                  {"name": "dubbo_plain", "address": "127.0.0.1:${DUBBO}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "dubbo", "upstream_protocol": "dubbo", "router_config_name": "rpc"}}]}]},
                  {"name": "auto", "address": "127.0.0.1:${AUTO}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "Auto", "upstream_protocol": "Auto", "router_config_name": "rpc"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "server", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${SERVER}"}]},
                {"name": "tars_server", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "127.0.0.1:${TARS_SERVER}"}]}
              ]}
            }
            """;

    private static final int CALL_TIMEOUT = 5000;
    /** The header map the server read, and whether the frame had v2's CRC on, by payload. */
    private static final Map<String, Map<String, String>> headersByPayload = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> crcByPayload = new ConcurrentHashMap<>();

    private static RpcServer server;
    private static RpcClient client;
    private static MosnProcess mosn;
    private static int editPort;
    private static int edit2Port;
    private static int reroutePort;
    private static int plainPort;
    private static TarsEchoServer tarsServer;
    private static int tarsPort;
    private static int dubboPort;

    @BeforeAll
    static void start() throws Exception {
        BoltHeaderSerializer.register();
        int serverPort = freePort();
        server = new RpcServer("127.0.0.1", serverPort);
        server.registerUserProcessor(new RecordingProcessor());
        server.startup();
        editPort = freePort();
        edit2Port = freePort();
        reroutePort = freePort();
        plainPort = freePort();
        tarsServer = new TarsEchoServer("t");
        tarsPort = freePort();
        dubboPort = freePort();
        int autoPort = freePort(); // an HTTP port for the stop's leak probe
        mosn = MosnProcess.builder()
                .config(render(CONFIG, vars("EDIT", editPort, "EDIT2", edit2Port, "REROUTE", reroutePort,
                        "PLAIN", plainPort, "TARS", tarsPort, "DUBBO", dubboPort, "AUTO", autoPort, "SERVER", serverPort,
                        "TARS_SERVER", tarsServer.port(), "FILTER", HeaderEditFilter.NAME)))
                .args("--plugins", PluginJar.folder().toString())
                .waitFor(editPort, edit2Port, reroutePort, plainPort, tarsPort, dubboPort, autoPort).probe(autoPort).start();
        client = new RpcClient();
        client.startup();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (client != null) {
                client.shutdown();
            }
            if (mosn != null) {
                Files.writeString(Path.of("target", "RpcHeaderWriteBackTest-mosn.log"), mosn.output());
                assertThat(mosn.output()).doesNotContain("is not supported by mosn4j yet"); // the plugin was found
                assertThat(mosn.stop()).as("mosn exit code; output:\n%s", mosn.output()).isZero();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            if (server != null) {
                server.shutdown();
            }
            if (tarsServer != null) {
                tarsServer.close();
            }
        }
    }

    /** Answers "ok:PAYLOAD" and records the header map the request arrived with. */
    static final class RecordingProcessor extends AsyncUserProcessor<BoltEcho> {
        @Override
        public void handleRequest(BizContext biz, AsyncContext async, BoltEcho req) {
            headersByPayload.put(req.payload(), req.headers());
            crcByPayload.put(req.payload(), req.crcSwitch());
            async.sendResponse("ok:" + req.payload());
        }

        @Override
        public String interest() {
            return BoltEcho.class.getName();
        }

        @Override
        public boolean processInIOThread() {
            return true;
        }
    }

    static InvokeContext headers(String... kv) {
        Map<String, String> h = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            h.put(kv[i], kv[i + 1]);
        }
        InvokeContext c = new InvokeContext();
        c.put(BoltHeaderSerializer.HEADERS, h);
        return c;
    }

    static String addr(int port) {
        return "127.0.0.1:" + port;
    }

    @Test
    void headersSetAndRemovedByAFilterReachTheBoltServer() throws Exception {
        for (int i = 0; i < 20; i++) {
            String payload = "edit-" + i;
            Object reply = client.invokeSync(addr(editPort), BoltEcho.of("edit", payload),
                    headers("service", "svc.echo", "x-drop", "gone", "x-keep", "mine", "x-trace", "t" + i), CALL_TIMEOUT);
            assertThat(reply).isEqualTo("ok:" + payload);
            assertThat(headersByPayload.get(payload)).isEqualTo(Map.of(
                    "service", "svc.echo", "x-keep", "overridden", "x-trace", "t" + i, "x-mosn-added", "from-filter"));
        }
    }

    @Test
    void boltV2WithCrcCarriesTheChangeAndAValidCrc() throws Exception {
        // ver1 2: SOFABolt's server checks the CRC32 of every frame, so the rewritten frame needs a new one
        Connection conn = client.createStandaloneConnection(addr(edit2Port) + "?_PROTOCOL=2&_VERSION=2", 2000);
        try {
            for (int i = 0; i < 10; i++) {
                String payload = "v2crc-" + i + "-" + "p".repeat(i * 300); // some frames past the copy threshold
                Object reply = client.invokeSync(conn, BoltEcho.of("v2", payload),
                        headers("service", "svc.echo", "x-drop", "gone"), CALL_TIMEOUT);
                assertThat(reply).isEqualTo("ok:" + payload);
                assertThat(headersByPayload.get(payload)).isEqualTo(Map.of("service", "svc.echo", "x-mosn-added", "from-filter"));
                assertThat(crcByPayload.get(payload)).isTrue();
            }
        } finally {
            conn.close();
        }
    }

    @Test
    void aServiceChangedBeforeRoutingRoutesTheRequestAndReachesTheServer() throws Exception {
        Object reply = client.invokeSync(addr(reroutePort), BoltEcho.of("reroute", "rerouted"),
                headers("service", "svc.unknown", "x-other", "o"), CALL_TIMEOUT);
        assertThat(reply).isEqualTo("ok:rerouted");
        assertThat(headersByPayload.get("rerouted")).isEqualTo(Map.of("service", "svc.rewritten", "x-other", "o"));
        // the same request without the filter has no route
        Throwable t = catchThrowable(() -> client.invokeSync(addr(plainPort), BoltEcho.of("reroute", "unrouted"),
                headers("service", "svc.unknown"), CALL_TIMEOUT));
        assertThat(t).isExactlyInstanceOf(InvokeException.class).hasMessageContaining("NO_PROCESSOR");
    }

    /** Tars: the filter's changes travel in the request's context map; the status map as it was. */
    @Test
    void tarsContextChangedByAFilterReachesTheTarsServer() throws Exception {
        try (TarsWireClient c = new TarsWireClient(tarsPort, 5000)) {
            for (int i = 0; i < 5; i++) {
                TarsPackets.RequestPacket req = TarsPackets.RequestPacket.of(100 + i, "App.Echo.Obj", "echo", "body-" + i)
                        .context("tag", "tars-edit-" + i).context("x-drop", "gone").context("x-keep", "k");
                req.status.put("STATUS_GRID_KEY", "7");
                TarsPackets.ResponsePacket resp = c.call(req);
                assertThat(resp.iRet).isZero();
                assertThat(resp.iRequestId).isEqualTo(100 + i);
                assertThat(new String(resp.sBuffer, StandardCharsets.UTF_8)).isEqualTo("body-" + i);
                List<TarsEchoServer.Seen> seen = tarsServer.tagged("tars-edit-" + i);
                assertThat(seen).hasSize(1);
                assertThat(seen.get(0).packet().context)
                        .isEqualTo(Map.of("tag", "tars-edit-" + i, "x-keep", "k", "x-mosn-added", "from-filter"));
                assertThat(seen.get(0).packet().status).isEqualTo(Map.of("STATUS_GRID_KEY", "7"));
                assertThat(seen.get(0).packet().sServantName).isEqualTo("App.Echo.Obj");
            }
        }
    }

    // ---- headers are decoded when first read: a request whose headers cannot be is answered alone ----

    /** A bolt header map that does not split into pairs: status 18 for that request, the connection serves on. */
    @Test
    void aBoltHeaderMapThatCannotBeReadGetsADeserializationErrorAndTheConnectionLivesOn() throws Exception {
        byte[] clazz = BoltEcho.class.getName().getBytes(StandardCharsets.UTF_8);
        byte[] header = {0, 0, 0, 1, 'k'}; // a key, and no value after it
        byte[] content = {1, 2, 3};
        java.nio.ByteBuffer bad = java.nio.ByteBuffer.allocate(22 + clazz.length + header.length + content.length);
        bad.put((byte) BoltWire.PROTO_V1).put((byte) BoltWire.TYPE_REQUEST).putShort((short) BoltWire.CMD_REQUEST)
                .put((byte) 1).putInt(70).put((byte) BoltWire.HESSIAN2).putInt(3000).putShort((short) clazz.length)
                .putShort((short) header.length).putInt(content.length).put(clazz).put(header).put(content);
        try (BoltWire.Client raw = new BoltWire.Client(plainPort, 3000)) {
            BoltWire.Response r = raw.send(bad.array()).read();
            assertThat(r.id()).isEqualTo(70);
            assertThat(r.status()).as("%s", r).isEqualTo(0x12); // SERVER_DESERIAL_EXCEPTION
            BoltEcho req = BoltEcho.of("after-bad", "after-bad-map");
            r = raw.send(BoltWire.echoRequest(71, 3000, Map.of("service", "svc.echo"), req)).read();
            assertThat(r.id()).isEqualTo(71);
            assertThat(r.status()).isEqualTo(BoltWire.SUCCESS);
            assertThat(r.contentObject()).isEqualTo("ok:after-bad-map");
        }
        assertThat(mosn.output()).contains("bolt: header map key without a value");
    }

    /** A dubbo body head that cannot be read: status 70 for that request, the next one is answered too. */
    @Test
    void aDubboBodyThatCannotBeReadGetsAServiceErrorAndTheConnectionLivesOn() throws Exception {
        try (DubboWire.Client raw = new DubboWire.Client(dubboPort, 3000)) {
            raw.out.write(DubboWire.request(80, "org.example.Bad", null, "m", "X", Map.of())); // 'X' is no JVM type
            raw.out.flush();
            DubboWire.Frame r = DubboWire.read(raw.in);
            assertThat(r.id()).isEqualTo(80);
            assertThat(r.status()).isEqualTo(70);
            assertThat(r.errorMessage()).startsWith("3|");
            raw.out.write(DubboWire.request(81, "org.example.Unrouted", null, "m", "", Map.of()));
            raw.out.flush();
            r = DubboWire.read(raw.in);
            assertThat(r.id()).isEqualTo(81);
            assertThat(r.status()).isEqualTo(60); // no route: read and routed, on the same connection
        }
    }

    /** A tars context that is no map<string,string>: iRet -1 for that request, the connection serves on. */
    @Test
    void aTarsContextThatCannotBeReadGetsADecodeErrorAndTheConnectionLivesOn() throws Exception {
        com.qq.tars.protocol.tars.TarsStructBase bad = new com.qq.tars.protocol.tars.TarsStructBase() {
            @Override
            public void writeTo(com.qq.tars.protocol.tars.TarsOutputStream os) {
                os.write((short) 1, 1);
                os.write((byte) 0, 2);
                os.write(0, 3);
                os.write(90, 4);
                os.write("App.Echo.Obj", 5);
                os.write("echo", 6);
                os.write(new byte[] {1}, 7);
                os.write(3000, 8);
                os.write(Map.of("tag", 5), 9); // string to int
                os.write(Map.<String, String>of(), 10);
            }

            @Override
            public void readFrom(com.qq.tars.protocol.tars.TarsInputStream is) {
            }
        };
        int reached = tarsServer.requests.size();
        try (TarsWireClient c = new TarsWireClient(tarsPort, 5000)) {
            TarsPackets.ResponsePacket resp = c.send(TarsPackets.framed(bad)).read();
            assertThat(resp.iRequestId).isEqualTo(90);
            assertThat(resp.iRet).isEqualTo(-1); // TARSSERVERDECODEERR
            resp = c.call(TarsPackets.RequestPacket.of(91, "App.Echo.Obj", "echo", "fine").context("tag", "after-bad"));
            assertThat(resp.iRet).isZero();
            assertThat(new String(resp.sBuffer, StandardCharsets.UTF_8)).isEqualTo("fine");
        }
        assertThat(tarsServer.requests).as("only the good request reached the server").hasSize(reached + 1);
    }

    @Test
    void withoutTheFilterTheHeadersArriveAsSent() throws Exception {
        Object reply = client.invokeSync(addr(plainPort), BoltEcho.of("plain", "plain-1"),
                headers("service", "svc.echo", "x-drop", "stays", "x-keep", "mine"), CALL_TIMEOUT);
        assertThat(reply).isEqualTo("ok:plain-1");
        assertThat(headersByPayload.get("plain-1")).isEqualTo(Map.of("service", "svc.echo", "x-drop", "stays", "x-keep", "mine"));
    }
}
