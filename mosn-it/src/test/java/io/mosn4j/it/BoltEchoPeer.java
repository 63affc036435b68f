package io.mosn4j.it;

import com.alipay.remoting.AsyncContext;
import com.alipay.remoting.BizContext;
import com.alipay.remoting.InvokeContext;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.protocol.AsyncUserProcessor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * A SOFABolt server answering {@code "echo:" + payload} and a client calling it through a proxy
 * with a {@code service} header (and any others): the bolt peers of the filter tests.
 */
final class BoltEchoPeer implements AutoCloseable {
    static {
        // as BoltProxyTest: keep SOFABolt's own logging setup (which fails on logback 1.5) out of the way
        System.setProperty("logback.middleware.log.disable", "true");
        System.setProperty("logging.path", Path.of("target", "bolt-logs").toAbsolutePath().toString());
        if (LoggerFactory.getLogger("com.alipay.sofa.common.log") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    final int serverPort;
    private final RpcServer server;
    private final RpcClient client;

    BoltEchoPeer() {
        BoltHeaderSerializer.register();
        serverPort = MosnProcess.freePort();
        server = new RpcServer("127.0.0.1", serverPort);
        server.registerUserProcessor(new Echo());
        server.startup();
        client = new RpcClient();
        client.startup();
    }

    /** Calls {@code service} at {@code address} (a proxy's bolt listener) with {@code extraHeaders}. */
    Object call(String address, String service, BoltEcho req, Map<String, String> extraHeaders) throws Exception {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("service", service);
        InvokeContext ctx = new InvokeContext();
        ctx.put(BoltHeaderSerializer.HEADERS, headers);
        return client.invokeSync(address, req, ctx, 5000);
    }

    @Override
    public void close() {
        client.shutdown();
        server.shutdown();
    }

    private static final class Echo extends AsyncUserProcessor<BoltEcho> {
        @Override
        public void handleRequest(BizContext biz, AsyncContext async, BoltEcho req) {
            if ("fail".equals(req.payload())) {
                throw new IllegalStateException("asked to fail"); // SOFABolt answers SERVER_EXCEPTION
            }
            async.sendResponse("echo:" + req.payload());
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
}
