package io.mosn4j.protocol.xprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
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

    /** Upstream sides of the requests forwarded, in order. */
    private final List<StreamSender> forwarded = new ArrayList<>();
    /** Downstream sides of the requests received, in order. */
    private final List<ServerStream> received = new ArrayList<>();
    /** The request frames received, in order. */
    private final List<ToyProtocol.Frame> requests = new ArrayList<>();
    /** Writability events the upstream side delivered, in order. */
    private final List<Boolean> writability = new ArrayList<>();

    /**
     * A proxy stand-in: each downstream request goes to the one upstream connection; as the
     * proxy does, the client is paused while the upstream stream is not writable.
     */
    private final class Forwarder implements ServerStreamHandler {
        final ClientConnection upstream;

        Forwarder(ClientConnection upstream) {
            this.upstream = upstream;
        }

        @Override
        public StreamReceiver newStream(ServerStream downstream) {
            received.add(downstream);
            return new StreamReceiver() {
                boolean paused;

                void pause(boolean p) {
                    if (p != paused) {
                        paused = p;
                        downstream.readDisable(p);
                    }
                }

                @Override
                public void onHeaders(Headers headers, boolean endStream) {
                    requests.add((ToyProtocol.Frame) headers.message());
                    if (headers.get("service").equals("held")) {
                        return; // never forwarded, never answered
                    }
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
                            writability.add(writable);
                            pause(!writable);
                        }
                    });
                    forwarded.add(up);
                    up.sendHeaders(headers, true);
                    pause(!up.isWritable());
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
        wire(XServerOptions.DEFAULTS, PartialFrameBudget.UNLIMITED);
    }

    /** Counters by name, for the tests to read. */
    private final Map<String, AtomicLong> counted = new HashMap<>();
    private final Stats stats = name -> new Counter() {
        final AtomicLong v = counted.computeIfAbsent(name, n -> new AtomicLong());

        @Override
        public void inc() {
            v.incrementAndGet();
        }

        @Override
        public void add(long n) {
            v.addAndGet(n);
        }

        @Override
        public long get() {
            return v.get();
        }
    };

    private long counter(String name) {
        AtomicLong v = counted.get(name);
        return v == null ? 0 : v.get();
    }

    private void wire(XServerOptions options, PartialFrameBudget budget) {
        client = new XClientConnection(toy, new XClientConnection.Owner() {
            @Override
            public void released(XClientConnection connection) {
                events.add("released");
            }

            @Override
            public void closed(XClientConnection connection) {
                events.add("closed");
            }
        }, stats, budget);
        up = new EmbeddedChannel(client);
        down = new EmbeddedChannel(new XServerConnection(toy, new Forwarder(client), options, stats, budget));
    }

    /** Makes the upstream connection's write buffer full (or not) as far as the codec can tell. */
    private void upstreamFull(boolean full) {
        up.unsafe().outboundBuffer().setUserDefinedWritability(1, !full);
        up.runPendingTasks();
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

    // ---- backpressure ----

    /**
     * A full upstream connection: requests wait in its queue (not in Netty's buffer), their
     * clients stop being read, streams in flight are told; once it drains the queue goes out in
     * order and everyone reads again.
     */
    @Test
    void aFullUpstreamConnectionHoldsRequestsBackAndPausesTheirClients() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 1, "svc:in-flight"));
        List<ToyProtocol.Frame> first = drain(up);
        assertThat(first).extracting(ToyProtocol.Frame::text).containsExactly("svc:in-flight");
        upstreamFull(true);
        assertThat(writability).as("the stream in flight was told").containsExactly(false);
        assertThat(down.config().isAutoRead()).as("its client is paused").isFalse();
        assertThat(counter("toy.upstream.write_buffer_full")).isEqualTo(1);
        assertThat(counter("toy.downstream.read_paused_upstream_full")).isEqualTo(1);

        // bytes the client had sent already are still framed; their requests wait upstream
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 2, "svc:queued-a"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.ONEWAY, 3, "svc:queued-oneway"));
        assertThat(drain(up)).as("nothing more goes into a full buffer").isEmpty();
        assertThat(forwarded.get(1).isWritable()).isFalse();

        upstreamFull(false);
        List<ToyProtocol.Frame> later = drain(up);
        assertThat(later).extracting(ToyProtocol.Frame::text).containsExactly("svc:queued-a", "svc:queued-oneway");
        assertThat(later).extracting(ToyProtocol.Frame::requestId).doesNotHaveDuplicates().doesNotContain(first.get(0).requestId());
        assertThat(down.config().isAutoRead()).as("the client is read again").isTrue();
        release(first, later);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    /** The request's payload may go once it is encoded: the answer may take long. */
    @Test
    void aSentRequestIsToldItsPayloadMayGo() {
        wire();
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 1, "held-upstream:x"));
        List<ToyProtocol.Frame> sent = drain(up);
        assertThat(sent).hasSize(1);
        assertThat(requests.get(0).payloadReleased).isTrue();
        release(sent);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void aRequestGivenUpWhileQueuedIsNeverSent() {
        wire();
        upstreamFull(true);
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 1, "svc:late"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 2, "svc:kept"));
        forwarded.get(0).reset(ResetReason.TIMEOUT); // the proxy gave up on it
        upstreamFull(false);
        List<ToyProtocol.Frame> sent = drain(up);
        assertThat(sent).extracting(ToyProtocol.Frame::text).containsExactly("svc:kept");
        assertThat(counter("toy.upstream.dropped_while_queued")).isEqualTo(1);
        release(sent);
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void queuedRequestsFailWhenTheUpstreamConnectionCloses() {
        wire();
        upstreamFull(true);
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 4, "svc:queued"));
        up.close();
        List<ToyProtocol.Frame> replies = drain(down);
        assertThat(replies).extracting(f -> f.kind + "/" + f.requestId() + "/" + f.text())
                .containsExactly(ToyProtocol.ERROR + "/4/NO_HEALTHY_UPSTREAM|upstream reset");
        assertThat(down.config().isAutoRead()).as("a finished stream holds its client back no longer").isTrue();
        release(replies);
        down.finishAndReleaseAll();
    }

    /**
     * Netty's ByteToMessageDecoder asks for another read after a read that decoded no message
     * while auto-read is off; these connections never pass frames on as messages, so that would
     * undo every pause.
     */
    @Test
    void aPausedConnectionAsksForNoMoreReads() {
        wire();
        AtomicInteger reads = new AtomicInteger();
        down.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads.incrementAndGet();
                ctx.read();
            }
        });
        upstreamFull(true);
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 1, "svc:a"));
        assertThat(down.config().isAutoRead()).isFalse();
        reads.set(0);
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 2, "svc:b").slice(0, 5)); // half a frame
        assertThat(reads.get()).isZero();
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void aClientThatDoesNotReadItsAnswersIsNotRead() {
        wire();
        down.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        down.runPendingTasks();
        assertThat(down.config().isAutoRead()).isFalse();
        assertThat(counter("toy.downstream.read_paused_client_not_reading")).isEqualTo(1);
        down.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        down.runPendingTasks();
        assertThat(down.config().isAutoRead()).isTrue();
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @Test
    void requestsPastMaxConcurrentRequestsAreRefusedWithTheOverflowError() {
        wire(new XServerOptions(2L), PartialFrameBudget.UNLIMITED);
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 1, "held:1"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 2, "held:2"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 3, "held:3"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.ONEWAY, 4, "held:4"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.HEARTBEAT, 5, ""));
        List<ToyProtocol.Frame> replies = drain(down);
        assertThat(replies).extracting(f -> f.kind + "/" + f.requestId() + "/" + f.text()).containsExactly(
                ToyProtocol.ERROR + "/3/OVERFLOW|too many requests in flight on the connection",
                ToyProtocol.HEARTBEAT_ACK + "/5/");
        assertThat(received).as("the refused ones never became streams").hasSize(2);
        assertThat(counter("toy.downstream.refused_max_concurrent_requests")).isEqualTo(2);
        // one answered: room for one more
        received.get(0).sendLocalReply(LocalReply.error(ProxyError.UNKNOWN, "done"));
        down.writeInbound(ToyProtocol.frame(ToyProtocol.REQUEST, 6, "held:6"));
        assertThat(received).hasSize(3);
        release(replies, drain(down));
        down.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    /**
     * The process-wide budget for partial frames: when two connections together hold more than
     * it allows, the one holding the larger partial frame is closed and the other reads on.
     */
    @Test
    void theConnectionHoldingTheLargestPartialFrameIsClosedWhenTheBudgetIsSpent() {
        PartialFrameBudget budget = new PartialFrameBudget(300_000);
        wire(XServerOptions.DEFAULTS, budget);
        EmbeddedChannel other = new EmbeddedChannel(new XServerConnection(toy, new Forwarder(client), XServerOptions.DEFAULTS, stats, budget));
        ByteBuf big = ToyProtocol.frame(ToyProtocol.REQUEST, 1, "svc:" + "x".repeat(400_000));
        ByteBuf small = ToyProtocol.frame(ToyProtocol.REQUEST, 2, "svc:" + "y".repeat(400_000));
        down.writeInbound(big.retainedSlice(0, 200_000));
        assertThat(budget.used()).isEqualTo(200_000);
        other.writeInbound(small.retainedSlice(0, 150_000));
        assertThat(down.isOpen()).as("the larger partial frame's connection").isFalse();
        assertThat(other.isOpen()).isTrue();
        assertThat(budget.used()).isEqualTo(150_000);
        assertThat(counter("toy.downstream.closed_partial_frames_limit")).isEqualTo(1);
        other.writeInbound(small.retainedSlice(150_000, small.readableBytes() - 150_000));
        List<ToyProtocol.Frame> sent = drain(up);
        assertThat(sent).hasSize(1);
        assertThat(budget.used()).as("a whole frame is no partial frame").isZero();
        other.close();
        big.release();
        small.release();
        release(sent);
        down.finishAndReleaseAll();
        other.finishAndReleaseAll();
        up.finishAndReleaseAll();
    }

    @SafeVarargs
    private static void release(List<ToyProtocol.Frame>... lists) {
        for (List<ToyProtocol.Frame> l : lists) {
            l.forEach(ToyProtocol.Frame::release);
        }
    }
}
