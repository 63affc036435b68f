package io.mosn4j.protocol.dubbo;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.dubbo.remoting.exchange.Request;
import org.apache.dubbo.remoting.exchange.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Our codec against Apache Dubbo's: it reads what Dubbo writes, and Dubbo reads what it writes. */
@ExtendWith(LeakCheck.class)
class DubboInteropTest {
    private final DubboProtocol dubbo = new DubboProtocol();
    private final TrackingAllocator alloc = new TrackingAllocator();

    @Test
    void readsTheRoutingHeadersOfARequestDubboWrote() {
        byte[] wire = DubboCodecs.encode(DubboCodecs.request(
                7, "org.example.DemoService", "sayHello",
                new Class<?>[] {String.class, int.class}, new Object[] {"world", 42}, Samples.attachments()));
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        XFrame frame = dubbo.decode(in);
        try {
            assertThat(in.isReadable()).isFalse();
            assertThat(frame.isRequest()).isTrue();
            assertThat(frame.isHeartbeat()).isFalse();
            assertThat(frame.isOneWay()).isFalse();
            assertThat(frame.requestId()).isEqualTo(7);
            assertThat(frame.status()).isEqualTo(-1);
            Headers h = frame.headers();
            assertThat(h.message()).isSameAs(frame);
            assertThat(frame.headers()).isSameAs(h);
            assertThat(h.get("service")).isEqualTo("org.example.DemoService");
            assertThat(h.get("method")).isEqualTo("sayHello");
            assertThat(h.get("version")).isEqualTo("1.0.0");
            assertThat(h.get("group")).isEqualTo("blue");
            assertThat(h.get("dubbo")).isEqualTo("2.0.2");
            assertThat(h.get("interface")).isEqualTo("org.example.DemoService");
            assertThat(h.get("path")).isEqualTo("org.example.DemoService");
            assertThat(h.get("x-trace-id")).isEqualTo("abc-123");
            assertThat(h.get("tenant")).isEqualTo("租户-😀");
            // values that are not strings are not headers
            assertThat(h.contains("timeout")).isFalse();
            assertThat(h.contains("retries")).isFalse();
            assertThat(h.contains("weights")).isFalse();
            assertThat(h.contains("nested")).isFalse();
            assertThat(h.getAll("version")).containsExactly("1.0.0");
        } finally {
            frame.release();
        }
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
    }

    @Test
    void stepsOverEveryKindOfArgumentDubboWrites() {
        List<Object[]> sets = Samples.argumentSets();
        for (int i = 0; i < sets.size(); i++) {
            Class<?>[] types = (Class<?>[]) sets.get(i)[0];
            Object[] args = (Object[]) sets.get(i)[1];
            Map<String, Object> att = new HashMap<>(Samples.attachments());
            att.put("case", "set-" + i);
            att.put("long-value", Samples.longString(70_000));
            byte[] wire = DubboCodecs.encode(DubboCodecs.request(i, "org.example.S" + i, "m" + i, types, args, att));
            ByteBuf in = Unpooled.wrappedBuffer(wire);
            XFrame frame = dubbo.decode(in);
            try {
                Headers h = frame.headers();
                assertThat(h.get("service")).as("set %d", i).isEqualTo("org.example.S" + i);
                assertThat(h.get("method")).as("set %d", i).isEqualTo("m" + i);
                assertThat(h.get("case")).as("set %d", i).isEqualTo("set-" + i);
                assertThat(h.get("group")).as("set %d", i).isEqualTo("blue");
                assertThat(h.get("long-value")).as("set %d", i).isEqualTo(Samples.longString(70_000));
            } finally {
                frame.release();
            }
            in.release();
        }
    }

    @Test
    void reEncodingChangesOnlyTheIdAndMatchesWhatDubboWritesForThatId() {
        for (Object[] set : Samples.argumentSets()) {
            Request original = DubboCodecs.request(
                    1, "org.example.DemoService", "call", (Class<?>[]) set[0], (Object[]) set[1], Samples.attachments());
            byte[] wire = DubboCodecs.encode(original);
            ByteBuf in = Unpooled.wrappedBuffer(wire);
            XFrame frame = dubbo.decode(in);
            frame.setRequestId(Long.MIN_VALUE + 5);
            ByteBuf out = dubbo.encode(frame, alloc);
            byte[] expected = wire.clone();
            Unpooled.wrappedBuffer(expected).setLong(4, Long.MIN_VALUE + 5);
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(expected);
            out.release();
            frame.setRequestId(1);
            out = dubbo.encode(frame, alloc);
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(wire);
            out.release();
            frame.release();
            in.release();
        }
        assertThat(alloc.unreleased()).isEmpty();
    }

    @Test
    void readsDubboHeartbeatsAndDubboReadsOurHeartbeatReply() {
        byte[] wire = DubboCodecs.encode(DubboCodecs.heartbeat(-3));
        assertThat(wire).hasSize(17); // header + hessian2 null
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        XFrame ping = dubbo.decode(in);
        assertThat(ping.isHeartbeat()).isTrue();
        assertThat(ping.isRequest()).isTrue();
        assertThat(ping.isOneWay()).isFalse();
        assertThat(ping.requestId()).isEqualTo(-3);
        assertThat(ping.headers().isEmpty()).isTrue();
        XFrame pong = dubbo.heartbeatResponse(ping);
        ByteBuf out = dubbo.encode(pong, alloc);
        Response res = (Response) DubboCodecs.decode(ByteBufUtil.getBytes(out));
        assertThat(res.getId()).isEqualTo(-3);
        assertThat(res.isHeartbeat()).isTrue();
        assertThat(res.isEvent()).isTrue();
        assertThat(res.getStatus()).isEqualTo(Response.OK);
        assertThat(res.getResult()).isNull();
        // and it is byte for byte what Dubbo's provider answers
        Response dubboPong = new Response(-3, "2.0.2");
        dubboPong.setEvent(true);
        dubboPong.setStatus(Response.OK);
        dubboPong.setResult(null);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(DubboCodecs.encode(dubboPong));
        out.release();
        pong.release();
        ping.release();
        in.release();
        assertThat(alloc.unreleased()).isEmpty();
    }

    @Test
    void ourProbingHeartbeatIsByteForByteWhatADubboConsumerSends() {
        XFrame probe = dubbo.heartbeatRequest(41);
        assertThat(probe.isHeartbeat()).isTrue();
        assertThat(probe.isRequest()).isTrue();
        assertThat(probe.isOneWay()).isFalse();
        ByteBuf out = dubbo.encode(probe, alloc);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(DubboCodecs.encode(DubboCodecs.heartbeat(41)));
        out.release();
        probe.release();
        assertThat(alloc.unreleased()).isEmpty();
    }

    @Test
    void dubboReadsOurErrorResponsesWithTheMappedStatusAndMessage() {
        ByteBuf in = Unpooled.wrappedBuffer(DubboCodecs.encode(DubboCodecs.request(
                99, "org.example.DemoService", "sayHello", new Class<?>[] {String.class}, new Object[] {"x"},
                Samples.attachments())));
        XFrame request = dubbo.decode(in);
        Object[][] cases = {
            {ProxyError.NO_ROUTE, null, Response.SERVICE_NOT_FOUND, "404|router unavailable"},
            {ProxyError.NO_HEALTHY_UPSTREAM, null, Response.SERVICE_NOT_FOUND, "502|no health upstream"},
            {ProxyError.TIMEOUT, null, Response.CLIENT_TIMEOUT, "504|timeout"},
            {ProxyError.OVERFLOW, null, Response.BAD_REQUEST, "503|upstream overflow"},
            {ProxyError.PERMISSION_DENIED, null, Response.SERVER_ERROR, "403|permission denied"},
            {ProxyError.CODEC, null, Response.SERVICE_ERROR, "0|codec exception"},
            {ProxyError.DESERIALIZATION, null, Response.SERVICE_ERROR, "3|deserial exception"},
            {ProxyError.UNKNOWN, null, Response.SERVICE_ERROR, "2|unknown"},
            {ProxyError.NO_ROUTE, "no route for org.example.DemoService 中", Response.SERVICE_NOT_FOUND,
                "404|no route for org.example.DemoService 中"},
            {ProxyError.UNKNOWN, Samples.longString(70_000), Response.SERVICE_ERROR, "2|" + Samples.longString(70_000)},
        };
        for (Object[] c : cases) {
            XFrame reply = dubbo.errorResponse(request, (ProxyError) c[0], (String) c[1]);
            assertThat(reply.isRequest()).isFalse();
            assertThat(reply.isHeartbeat()).isFalse();
            assertThat(reply.requestId()).isEqualTo(99);
            assertThat(reply.status()).isEqualTo(((Byte) c[2]) & 0xff);
            ByteBuf out = dubbo.encode(reply, alloc);
            byte[] ours = ByteBufUtil.getBytes(out);
            Response res = (Response) DubboCodecs.decode(ours);
            assertThat(res.getId()).as("%s", c[0]).isEqualTo(99);
            assertThat(res.getStatus()).as("%s", c[0]).isEqualTo((Byte) c[2]);
            assertThat(res.getErrorMessage()).as("%s", c[0]).isEqualTo(c[3]);
            assertThat(res.isEvent()).isFalse();
            // byte for byte what a Dubbo provider sends for that status and message
            assertThat(ours).isEqualTo(DubboCodecs.encode(DubboCodecs.errorResponse(99, (Byte) c[2], (String) c[3])));
            out.release();
            reply.release();
        }
        request.release();
        in.release();
        assertThat(alloc.unreleased()).isEmpty();
    }

    @Test
    void forwardsDubboResponsesUntouched() {
        for (Object value : new Object[] {"ok", null, Samples.Pojo.sample(2), new byte[10_000]}) {
            byte[] wire = DubboCodecs.encode(DubboCodecs.response(123456789012L, value));
            ByteBuf in = Unpooled.wrappedBuffer(wire);
            XFrame frame = dubbo.decode(in);
            assertThat(frame.isRequest()).isFalse();
            assertThat(frame.isHeartbeat()).isFalse();
            assertThat(frame.isOneWay()).isFalse();
            assertThat(frame.status()).isEqualTo(20);
            assertThat(frame.requestId()).isEqualTo(123456789012L);
            assertThat(frame.headers().isEmpty()).isTrue();
            assertThat(frame.headers().message()).isSameAs(frame);
            ByteBuf out = dubbo.encode(frame, alloc);
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(wire);
            out.release();
            frame.release();
            in.release();
        }
        byte[] wire = DubboCodecs.encode(DubboCodecs.errorResponse(5, Response.SERVICE_ERROR, "boom"));
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        XFrame frame = dubbo.decode(in);
        assertThat(frame.status()).isEqualTo(70);
        frame.release();
        in.release();
        assertThat(alloc.unreleased()).isEmpty();
    }

    @Test
    void oneWayRequestsAreOneWay() {
        Request req = DubboCodecs.request(3, "org.example.DemoService", "fire", new Class<?>[0], new Object[0],
                Map.of());
        req.setTwoWay(false);
        ByteBuf in = Unpooled.wrappedBuffer(DubboCodecs.encode(req));
        XFrame frame = dubbo.decode(in);
        assertThat(frame.isOneWay()).isTrue();
        assertThat(frame.headers().get("method")).isEqualTo("fire");
        assertThat(frame.headers().contains("version")).isFalse();
        frame.release();
        in.release();
    }
}
