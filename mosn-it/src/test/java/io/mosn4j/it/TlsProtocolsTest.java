package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.remoting.config.BoltClientOption;
import com.alipay.remoting.config.BoltServerOption;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcServer;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every protocol over TLS, on both sides of the proxy, through the real {@code bin/mosn} with real
 * clients and servers: HTTP/1.1 (curl to a TLS server), gRPC (grpc-java client and server, each
 * insisting on h2 by ALPN), bolt (SOFABolt client and server with their TLS switched on), and
 * {@code tcp_proxy} terminating TLS (a TLS client, a plaintext echo server) and originating it
 * (a plaintext client, a TLS-only echo server).
 */
class TlsProtocolsTest {
    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "routers": [
                  {"router_config_name": "http", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "https"}}]}]},
                  {"router_config_name": "grpc", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"prefix": "/"}, "route": {"cluster_name": "grpc"}}]}]},
                  {"router_config_name": "bolt", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routers": [{"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "bolt"}}]}]}
                ],
                "listeners": [
                  {"name": "http", "address": "127.0.0.1:${HTTP}", "filter_chains": [{"tls_context": ${SERVER_TLS},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http1", "router_config_name": "http"}}]}]},
                  {"name": "grpc", "address": "127.0.0.1:${GRPC}", "filter_chains": [{"tls_context": ${SERVER_TLS_H2},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "Http2", "router_config_name": "grpc"}}]}]},
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}", "filter_chains": [{"tls_context": ${SERVER_TLS},
                    "filters": [{"type": "proxy", "config": {"downstream_protocol": "bolt", "router_config_name": "bolt"}}]}]},
                  {"name": "tcp_in", "address": "127.0.0.1:${TCP_IN}", "filter_chains": [{"tls_context": ${SERVER_TLS},
                    "filters": [{"type": "tcp_proxy", "config": {"cluster": "plain_echo"}}]}]},
                  {"name": "tcp_out", "address": "127.0.0.1:${TCP_OUT}", "filter_chains": [{
                    "filters": [{"type": "tcp_proxy", "config": {"cluster": "tls_echo"}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "https", "hosts": [{"address": "${HTTPS_BACKEND}"}], "tls_context": ${CLIENT_TLS}},
                {"name": "grpc", "hosts": [{"address": "${GRPC_BACKEND}"}], "tls_context": ${CLIENT_TLS}},
                {"name": "bolt", "hosts": [{"address": "${BOLT_BACKEND}"}], "tls_context": ${CLIENT_TLS}},
                {"name": "plain_echo", "hosts": [{"address": "${PLAIN_ECHO}"}]},
                {"name": "tls_echo", "hosts": [{"address": "${TLS_ECHO}"}], "tls_context": ${CLIENT_TLS}}
              ]},
              "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": ${ADMIN}}}}
            }
            """;

    static final MethodDescriptor<byte[], byte[]> ECHO = GrpcProxyTest.method("tls.Echo", "Echo", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> COUNT = GrpcProxyTest.method("tls.Echo", "Count", MethodDescriptor.MethodType.SERVER_STREAMING);

    @TempDir
    static Path dir;
    static TestCerts certs;
    static TlsBackends httpsBackend;
    static TlsBackends tlsEcho;
    static TcpBackend plainEcho;
    static Server grpcBackend;
    static RpcServer boltServer;
    static RpcClient boltClient;
    static MosnProcess mosn;
    static final Map<String, Integer> PORTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.create(dir, TestCerts.Kind.EC, "protocols-ca");
        TestCerts.Issued front = certs.server("mosn.example.com");
        TestCerts.Issued back = certs.server("backend.example.com");
        httpsBackend = TlsBackends.http("https-backend", TlsBackends.serverContext(back, null));
        tlsEcho = TlsBackends.echo(TlsBackends.serverContext(back, null));
        plainEcho = TcpBackend.echo("plain-echo", null);
        grpcBackend = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sslContext(GrpcSslContexts.forServer(back.cert().toFile(), back.key().toFile()).build())
                .addService(ServerServiceDefinition.builder("tls.Echo")
                        .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                            out.onNext(("grpc:" + new String(req, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                            out.onCompleted();
                        }))
                        .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                            int n = ByteBuffer.wrap(req).getInt();
                            for (int i = 0; i < n; i++) {
                                out.onNext(("msg-" + i).getBytes(StandardCharsets.UTF_8));
                            }
                            out.onCompleted();
                        })).build())
                .build().start();
        BoltHeaderSerializer.register();
        int boltBackendPort = freePort();
        boltServer = new RpcServer("127.0.0.1", boltBackendPort);
        boltServer.option(BoltServerOption.SRV_SSL_ENABLE, true);
        boltServer.option(BoltServerOption.SRV_SSL_KEYSTORE, keyStore(back).toString());
        boltServer.option(BoltServerOption.SRV_SSL_KEYSTORE_PASS, "changeit");
        boltServer.option(BoltServerOption.SRV_SSL_KEYSTORE_TYPE, "PKCS12");
        boltServer.option(BoltServerOption.SRV_SSL_KMF_ALGO, "SunX509");
        boltServer.registerUserProcessor(new BoltProxyTest.EchoProcessor());
        boltServer.startup();

        for (String p : new String[] {"HTTP", "GRPC", "BOLT", "TCP_IN", "TCP_OUT", "ADMIN"}) {
            PORTS.put(p, freePort());
        }
        String serverTls = "{\"status\": true, \"cert_chain\": \"" + front.cert() + "\", \"private_key\": \"" + front.key() + "\"}";
        String serverTlsH2 = "{\"status\": true, \"cert_chain\": \"" + front.cert() + "\", \"private_key\": \"" + front.key() + "\", \"alpn\": \"h2\"}";
        String clientTls = "{\"status\": true, \"server_name\": \"backend.example.com\", \"ca_cert\": \"" + certs.ca().cert() + "\"}";
        Map<String, Object> v = new HashMap<>(PORTS);
        v.putAll(Map.of("SERVER_TLS", serverTls, "SERVER_TLS_H2", serverTlsH2, "CLIENT_TLS", clientTls,
                "HTTPS_BACKEND", httpsBackend.address(), "GRPC_BACKEND", "127.0.0.1:" + grpcBackend.getPort(),
                "BOLT_BACKEND", "127.0.0.1:" + boltBackendPort, "PLAIN_ECHO", plainEcho.address(), "TLS_ECHO", tlsEcho.address()));
        MosnProcess.Builder b = MosnProcess.builder().config(render(CONFIG, v));
        PORTS.values().forEach(b::waitFor);
        mosn = b.start();

        boltClient = new RpcClient();
        boltClient.option(BoltClientOption.CLI_SSL_ENABLE, true);
        boltClient.option(BoltClientOption.CLI_SSL_KEYSTORE, certs.trustStore().toString());
        boltClient.option(BoltClientOption.CLI_SSL_KEYSTORE_PASS, "changeit");
        boltClient.option(BoltClientOption.CLI_SSL_KEYSTORE_TYPE, "PKCS12");
        boltClient.option(BoltClientOption.CLI_SSL_TMF_ALGO, "PKIX");
        boltClient.startup();
    }

    /** A PKCS#12 store with {@code own}'s key and certificate (password {@code changeit}), as SOFABolt's server takes it. */
    static Path keyStore(TestCerts.Issued own) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", own.privateKey(), "changeit".toCharArray(), new X509Certificate[] {own.certificate()});
        Path p = dir.resolve("bolt-server.p12");
        try (OutputStream out = java.nio.file.Files.newOutputStream(p)) {
            ks.store(out, "changeit".toCharArray());
        }
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (boltClient != null) {
                boltClient.shutdown();
            }
            if (mosn != null) {
                java.nio.file.Files.writeString(Path.of("target", "TlsProtocolsTest-mosn.log"), mosn.output()); // for the report
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            for (AutoCloseable c : new AutoCloseable[] {httpsBackend, tlsEcho, plainEcho}) {
                if (c != null) {
                    c.close();
                }
            }
            if (grpcBackend != null) {
                grpcBackend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (boltServer != null) {
                boltServer.shutdown();
            }
        }
    }

    @Test
    void http11OverTlsOnBothSides() throws Exception {
        for (int i = 0; i < 3; i++) {
            Curl.Result r = Curl.run("--cacert", certs.ca().cert().toString(), "--resolve", "mosn.example.com:" + PORTS.get("HTTP") + ":127.0.0.1",
                    "-w", " %{http_version}", "https://mosn.example.com:" + PORTS.get("HTTP") + "/x");
            assertThat(r.stdout()).as(r.stderr()).isEqualTo("https-backend client=none 1.1");
        }
        assertThat(httpsBackend.handshakes.get()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void grpcOverTlsWithH2ByAlpnOnBothSides() throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", PORTS.get("GRPC")).overrideAuthority("mosn.example.com")
                .sslContext(GrpcSslContexts.forClient().trustManager(certs.ca().cert().toFile()).build()).build();
        try {
            for (int i = 0; i < 20; i++) {
                byte[] reply = ClientCalls.blockingUnaryCall(ch, ECHO, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                        ("hello-" + i).getBytes(StandardCharsets.UTF_8));
                assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("grpc:hello-" + i);
            }
            Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(ch, COUNT, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10,
                    TimeUnit.SECONDS), ByteBuffer.allocate(4).putInt(500).array());
            List<String> got = new ArrayList<>();
            it.forEachRemaining(m -> got.add(new String(m, StandardCharsets.UTF_8)));
            assertThat(got).hasSize(500).startsWith("msg-0").endsWith("msg-499");
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void boltOverTlsWithSofaBoltOnBothSides() throws Exception {
        for (int i = 0; i < 50; i++) {
            BoltEcho req = BoltEcho.of("tls", "p" + i);
            Object reply = boltClient.invokeSync("127.0.0.1:" + PORTS.get("BOLT"), req, BoltProxyTest.service("svc.tls"), 10_000);
            assertThat(reply).isEqualTo(req.expectedReply("svc.tls"));
        }
    }

    @Test
    void tcpProxyTerminatesTls() throws Exception {
        SSLSocket s = (SSLSocket) certs.clientContext(null).getSocketFactory().createSocket("127.0.0.1", PORTS.get("TCP_IN"));
        try (s) {
            s.setSoTimeout(10_000);
            byte[] payload = new byte[256 * 1024];
            new java.util.Random(7).nextBytes(payload);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    out.write(payload);
                    out.flush();
                } catch (java.io.IOException ignored) {
                    // the read below fails then
                }
            });
            byte[] back = in.readNBytes(payload.length);
            writer.join(10_000);
            assertThat(back).isEqualTo(payload);
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void tcpProxyOriginatesTls() throws Exception {
        try (Socket s = new Socket("127.0.0.1", PORTS.get("TCP_OUT"))) {
            s.setSoTimeout(10_000);
            byte[] msg = "plaintext in, TLS out\n".getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(msg);
            s.getOutputStream().flush();
            assertThat(s.getInputStream().readNBytes(msg.length)).isEqualTo(msg);
        }
        assertThat(tlsEcho.handshakes.get()).isGreaterThanOrEqualTo(1);
    }
}
