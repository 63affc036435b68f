package io.mosn4j.protocol.dubbo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.common.utils.ReflectUtils;
import org.apache.dubbo.remoting.Channel;
import org.apache.dubbo.remoting.buffer.ChannelBuffer;
import org.apache.dubbo.remoting.buffer.ChannelBuffers;
import org.apache.dubbo.remoting.exchange.Request;
import org.apache.dubbo.remoting.exchange.Response;
import org.apache.dubbo.rpc.AppResponse;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.apache.dubbo.rpc.protocol.dubbo.DubboCodec;

/** Apache Dubbo's own codec, to write what a Dubbo consumer or provider sends and read what it would. */
final class DubboCodecs {
    static final URL URL = org.apache.dubbo.common.URL.valueOf(
            "dubbo://127.0.0.1:20880/org.example.DemoService?serialization=hessian2");
    private static final DubboCodec CODEC = new DubboCodec(FrameworkModel.defaultModel());
    private static final Channel CHANNEL = (Channel) Proxy.newProxyInstance(
            DubboCodecs.class.getClassLoader(), new Class<?>[] {Channel.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "getUrl":
                        return URL;
                    case "isConnected":
                        return true;
                    case "getLocalAddress": // Dubbo's request decoder looks up the exporting port
                        return new java.net.InetSocketAddress("127.0.0.1", 20880);
                    case "getRemoteAddress":
                        return new java.net.InetSocketAddress("127.0.0.1", 40000);
                    case "hasAttribute":
                    case "isClosed":
                        return false;
                    case "toString":
                        return "test-channel";
                    case "hashCode":
                        return 1;
                    case "equals":
                        return proxy == args[0];
                    default:
                        return null;
                }
            });

    private DubboCodecs() {}

    static byte[] encode(Object message) {
        ChannelBuffer buf = ChannelBuffers.dynamicBuffer(256);
        try {
            CODEC.encode(CHANNEL, buf, message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    static Object decode(byte[] bytes) {
        try {
            return CODEC.decode(CHANNEL, ChannelBuffers.wrappedBuffer(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A two-way request for {@code method} on {@code service}, as a Dubbo consumer encodes it. */
    @SuppressWarnings("deprecation") // RpcInvocation(): the one constructor that takes no service model
    static Request request(
            long id,
            String service,
            String method,
            Class<?>[] types,
            Object[] args,
            Map<String, Object> attachments) {
        RpcInvocation inv = new RpcInvocation();
        inv.setMethodName(method);
        inv.setParameterTypes(types);
        inv.setParameterTypesDesc(ReflectUtils.getDesc(types));
        inv.setArguments(args);
        inv.setObjectAttachment("path", service);
        inv.setObjectAttachment("interface", service);
        attachments.forEach(inv::setObjectAttachment);
        Request req = new Request(id);
        req.setVersion("2.0.2");
        req.setTwoWay(true);
        req.setData(inv);
        return req;
    }

    static Request heartbeat(long id) {
        Request req = new Request(id);
        req.setVersion("2.0.2");
        req.setTwoWay(true);
        req.setEvent(true);
        req.setData(null);
        return req;
    }

    /** A provider's OK response carrying {@code value}. */
    static Response response(long id, Object value) {
        Response res = new Response(id, "2.0.2");
        res.setStatus(Response.OK);
        res.setResult(new AppResponse(value));
        return res;
    }

    static Response errorResponse(long id, byte status, String message) {
        Response res = new Response(id, "2.0.2");
        res.setStatus(status);
        res.setErrorMessage(message);
        return res;
    }
}
