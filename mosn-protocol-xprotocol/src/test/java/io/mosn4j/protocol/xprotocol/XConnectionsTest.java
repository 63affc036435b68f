package io.mosn4j.protocol.xprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.Test;

/**
 * The RPC stream codecs on both sides of the proxy, wired back to back on embedded channels with
 * a toy protocol: ids remapped upstream and restored downstream, answers in any order,
 * heartbeats answered locally, local replies in the protocol's terms, resets on close.
 */
class XConnectionsTest {
    private final ToyProtocol toy = new ToyProtocol();
    private final List<ToyProtocol.Frame> upstreamSaw = new ArrayList<>();

    /** A proxy stand-in: each downstream request goes to the one upstream connection. */
    private final class Forwarder implements ServerStreamHandler {
        final ClientConnection upstream;

        Forwarder(ClientConnection upstream) {
            this.upstream = upstream;
        }

        @Override
        public StreamReceiver newStream(ServerStream downstream) {
            return new StreamReceiver() {
                @Override
                public void onHeaders(Headers headers, boolean endStream) {
                    if (headers.get("service").equals("local")) {
                        downstream.sendLocalReply(LocalReply.error(ProxyError.NO_ROUTE, "no route matched"));
                        return;
                    }
                    StreamSender up = upstream.newStream(new StreamReceiver() {
                        @Override
                        public void onHeaders(Headers response, boolean end) {
                            downstream.sendHeaders(response, end);
                        }

                        @Override
                        public void onData(ByteBuf data, boolean end) {
                            data.release();
                        }

                        @Override
                        public void onTrailers(Headers trailers) {
                        }

                        @Override
                        public void onReset(ResetReason reason) {
                            downstream.sendLocalReply(LocalReply.error(ProxyError.NO_HEALTHY_UPSTREAM, "upstream reset"));
                        }

                        @Override
                        public void onWritabilityChanged(boolean writable) {
                        }
                    });
                    up.sendHeaders(headers, true);
                }

                @Override
                public void onData(ByteBuf data, boolean endStream) {
                    data.release();
                }

                @Override
                public void onTrailers(Headers trailers) {
                }

                @Override
                public void onReset(ResetReason reason) {
                }

                @Override
                public void onWritabilityChanged(boolean writable) {
                }
            };
        }
    }

    private XClientConnection client;
    private EmbeddedChannel up;
    private EmbeddedChannel down;
    private final List<String> events = new ArrayList<>();

    private void wire() {
        client = new XClientConnection(toy, new XClientConnection.Owner() {
            @Override
            public void released(XClientConnection connection) {
                events.add("released");
            }

            @Override
            public void closed(XClientConnection connection) {
                events.add("closed");
            }
        });
        up = new EmbeddedChannel(client);
        down = new EmbeddedChannel(new XServerConnection(toy, new Forwarder(client)));
    }

    private List<ToyProtocol.Frame> drain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        List<ToyProtocol.Frame> out = new ArrayList<>();
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        ToyProtocol.Frame f;
        while ((f = (ToyProtocol.Frame) toy.decode(all)) != null) {
            out.add(f);
        }
        all.release();
        return out;
    }

    @Test
    void idsAreRemappedUpstreamAndRestoredDownstreamInAnyOrder() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 900, "svc:a"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 900_000, "svc:b"));
        List<ToyProtocol.Frame> sent = drain(up);
        assertThat(sent).extracting(ToyProtocol.Frame::text).containsExactly("svc:a", "svc:b");
        assertThat(sent).extracting(ToyProtocol.Frame::requestId).containsExactly(0L, 1L);
        // answered in reverse order
        up.writeInbound(ToyProtocol.frame(ToyProtocol.RESPONSE, sent.get(1).requestId(), "B"));
        up.writeInbound(ToyProtocol.frame(ToyProtocol.RESPONSE, sent.get(0).requestId(), "A"));
        List<ToyProtocol.Frame> answers = drain(down);
        assertThat(answers).extracting(f -> f.requestId() + "=" + f.text()).containsExactly("900000=B", "900=A");
        release(sent, answers);
        assertThat(down.finishAndReleaseAll()).isFalse();
        assertThat(up.finishAndReleaseAll()).isFalse();
    }

    @Test
    void heartbeatsAreAnsweredByTheProxyAndNeverForwarded() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.HEARTBEAT, 77, ""));
        List<ToyProtocol.Frame> replies = drain(down);
        assertThat(replies).extracting(f -> f.kind + "/" + f.requestId()).containsExactly(ToyProtocol.HEARTBEAT_ACK + "/77");
        assertThat(drain(up)).isEmpty();
        release(replies);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void localRepliesAreProtocolErrorsWithTheCallersId() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 5, "local:x"));
        List<ToyProtocol.Frame> replies = drain(down);
        assertThat(replies).extracting(f -> f.kind + "/" + f.requestId() + "/" + f.text())
                .containsExactly(ToyProtocol.ERROR + "/5/NO_ROUTE|no route matched");
        release(replies);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void upstreamCloseFailsRequestsInFlightAndLateAnswersAreDropped() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 1, "svc:a"));
        List<ToyProtocol.Frame> sent = drain(up);
        up.close();
        List<ToyProtocol.Frame> replies = drain(down);
        assertThat(replies).extracting(f -> f.kind + "/" + f.requestId() + "/" + f.text())
                .containsExactly(ToyProtocol.ERROR + "/1/NO_HEALTHY_UPSTREAM|upstream reset");
        assertThat(events).contains("closed");
        release(sent, replies);
        down.finishAndReleaseAll();
    }

    /** A request the protocol refuses to encode (a header change it cannot carry) fails alone. */
    @Test
    void aRequestThatCannotBeEncodedFailsAndTheConnectionServesTheNext() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 8, "unencodable:x"));
        assertThat(drain(up)).isEmpty();
        List<ToyProtocol.Frame> replies = drain(down);
        assertThat(replies).extracting(f -> f.kind + "/" + f.requestId() + "/" + f.text())
                .containsExactly(ToyProtocol.ERROR + "/8/NO_HEALTHY_UPSTREAM|upstream reset");
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 9, "svc:a"));
        List<ToyProtocol.Frame> sent = drain(up);
        assertThat(sent).extracting(ToyProtocol.Frame::text).containsExactly("svc:a");
        assertThat(up.isOpen()).isTrue();
        release(replies, sent);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void oneWayRequestsAreForwardedAndNothingComesBack() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.ONEWAY, 3, "svc:fire"));
        List<ToyProtocol.Frame> sent = drain(up);
        assertThat(sent).extracting(ToyProtocol.Frame::text).containsExactly("svc:fire");
        assertThat(drain(down)).isEmpty();
        release(sent);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void aOneWayRequestUsesUpAnIdSoAStrayAnswerCannotReachTheNextCaller() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.ONEWAY, 5, "svc:fire"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 6, "svc:call"));
        List<ToyProtocol.Frame> sent = drain(up);
        assertThat(sent).extracting(ToyProtocol.Frame::requestId).doesNotHaveDuplicates();
        // a server that answers the one-way anyway: dropped, the caller of request 6 gets its own answer
        up.writeInbound(ToyProtocol.frame(ToyProtocol.RESPONSE, sent.get(0).requestId(), "stray"));
        up.writeInbound(ToyProtocol.frame(ToyProtocol.RESPONSE, sent.get(1).requestId(), "mine"));
        List<ToyProtocol.Frame> answers = drain(down);
        assertThat(answers).extracting(f -> f.requestId() + "=" + f.text()).containsExactly("6=mine");
        release(sent, answers);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void unframeableBytesCloseOnlyThatConnection() {
        wire();
        down.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xAB, 1, 0, 0, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        assertThat(down.isOpen()).isFalse();
        assertThat(up.isOpen()).isTrue();
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void quietUpstreamConnectionsAreProbedWithHeartbeatsAndClosedWhenTheyGoUnanswered() {
        wire();
        up.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        List<ToyProtocol.Frame> probes = drain(up);
        assertThat(probes).extracting(f -> f.kind).containsExactly(ToyProtocol.HEARTBEAT);
        up.writeInbound(ToyProtocol.frame(ToyProtocol.HEARTBEAT_ACK, probes.get(0).requestId(), ""));
        up.advanceTimeBy(XClientConnection.HEARTBEAT_TIMEOUT_MILLIS + 1, TimeUnit.MILLISECONDS);
        up.runScheduledPendingTasks();
        assertThat(up.isOpen()).as("answered: the connection lives").isTrue();

        up.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        List<ToyProtocol.Frame> second = drain(up);
        assertThat(second).hasSize(1);
        up.advanceTimeBy(XClientConnection.HEARTBEAT_TIMEOUT_MILLIS + 1, TimeUnit.MILLISECONDS);
        up.runScheduledPendingTasks();
        assertThat(up.isOpen()).as("unanswered: closed").isFalse();
        release(probes, second);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @SafeVarargs
    private static void release(List<ToyProtocol.Frame>... lists) {
        for (List<ToyProtocol.Frame> l : lists) {
            l.forEach(ToyProtocol.Frame::release);
        }
    }
}
