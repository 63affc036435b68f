package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.protocol.PartialFrameBudget;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream connection of an RPC protocol. Requests from any number of downstream connections
 * share it: each gets a fresh request id here (the downstream side restores the caller's id on the
 * answer), and answers are matched back by id in whatever order they come. Used only on its event
 * loop.
 *
 * <p>Backpressure: once the write buffer passes the cluster's {@code conn_buffer_limit_bytes}, new
 * requests wait in this connection's queue instead of Netty's, each stream reports itself not
 * writable (so the proxy pauses the client it came from), and every stream in flight is told the
 * same; once the buffer drains below half the limit, the queue is written out in order and the
 * streams are told they may go on. A request given up while it waits (its timeout, its client
 * gone) leaves the queue and is never sent, so a stalled upstream holds at most its buffer plus
 * the requests still worth sending.
 */
public final class XClientConnection extends XConnection implements ClientConnection {
    private final long connectionId = io.mosn4j.api.network.ConnectionIds.next();

    @Override
    public long id() {
        return connectionId;
    }

    @Override
    public java.net.SocketAddress localAddress() {
        return ctx == null ? null : ctx.channel().localAddress();
    }

    private static final Logger log = LoggerFactory.getLogger(XClientConnection.class);

    /** What the connection tells the pool that owns it. */
    public interface Owner {
        /** A request finished, so a ping-pong connection is free again. */
        void released(XClientConnection connection);

        void closed(XClientConnection connection);
    }

    private final Owner owner;
    /** By upstream request id. */
    private final InFlightIds<Stream> inFlight = new InFlightIds<>();
    private long lastId = -1;
    /**
     * Whether the id sequence ever went back (wrapped): until it does, each id is above every id
     * handed out before it, so none can be in flight and a new one needs no lookup.
     */
    private boolean idsWrapped;
    /** The id of the keepalive heartbeat awaiting its answer, while one is. */
    private long heartbeatId;
    private boolean heartbeatOutstanding;
    private boolean closed;
    /** Streams handed out by the pool and not yet ended. */
    private int streams;
    /** Requests waiting for the write buffer to drain, in arrival order; ended ones are skipped. */
    private final ArrayDeque<Stream> queued = new ArrayDeque<>();
    /** Ended streams still in {@link #queued}. */
    private int endedInQueue;
    private final Counter bufferFull;
    private final Counter dropped;

    /** Quiet time after which an upstream connection is probed with a heartbeat (a cluster's {@code keepalive.interval} overrides it). */
    public static final long KEEPALIVE_MILLIS = 60_000;
    static final long HEARTBEAT_TIMEOUT_MILLIS = 20_000;

    private final long heartbeatTimeoutMillis;
    /** Streams this connection may carry in all ({@code max_request_per_conn}); 0: no limit. */
    private final long maxRequests;
    private long served;
    /** When the connection last had no stream, for the pool's {@code idle_timeout}. */
    long idleSince = System.nanoTime();

    /** With no counters, no partial-frame budget and the default heartbeat timeout (tests). */
    public XClientConnection(XProtocol protocol, Owner owner) {
        this(protocol, owner, Stats.NONE, PartialFrameBudget.UNLIMITED, HEARTBEAT_TIMEOUT_MILLIS, 0);
    }

    public XClientConnection(XProtocol protocol, Owner owner, Stats stats, PartialFrameBudget budget) {
        this(protocol, owner, stats, budget, HEARTBEAT_TIMEOUT_MILLIS, 0);
    }

    public XClientConnection(XProtocol protocol, Owner owner, Stats stats, PartialFrameBudget budget, long heartbeatTimeoutMillis,
                             long maxRequests) {
        super(protocol, budget, stats.counter(protocol.name() + ".upstream.closed_partial_frames_limit"));
        this.owner = owner;
        this.bufferFull = stats.counter(protocol.name() + ".upstream.write_buffer_full");
        this.dropped = stats.counter(protocol.name() + ".upstream.dropped_while_queued");
        this.heartbeatTimeoutMillis = heartbeatTimeoutMillis;
        this.maxRequests = maxRequests;
    }

    /** Whether it carried its {@code max_request_per_conn} streams: it takes no more and closes when they end. */
    public boolean exhausted() {
        return maxRequests > 0 && served >= maxRequests;
    }

    @Override
    boolean accepting() {
        return !closed;
    }

    @Override
    String describe() {
        return "upstream " + peer();
    }

    public Channel channel() {
        return ctx.channel();
    }

    public boolean isActive() {
        return !closed && ctx.channel().isActive();
    }

    /** Streams handed out and not yet ended. */
    public int streams() {
        return streams;
    }

    /** The pool hands this connection to one more stream. */
    public void reserve() {
        streams++;
        served++;
    }

    @Override
    public StreamSender newStream(StreamReceiver receiver) {
        return new Stream(receiver);
    }

    @Override
    public void releaseUnused() {
        streamDone();
    }

    @Override
    public boolean reused() {
        return false; // an RPC request may not be idempotent: never replayed after a broken connection
    }

    private void streamDone() {
        if (streams > 0) {
            streams--;
        }
        if (streams == 0) {
            idleSince = System.nanoTime();
            if (exhausted() && !closed) {
                ctx.close(); // its last stream ended; the pool opens another for the next request
                return;
            }
        }
        if (!closed) {
            owner.released(this);
        }
    }

    /** Removes and returns the call in flight under {@code id}, or null. */
    private Stream untrack(long id) {
        return inFlight.remove(id);
    }

    private long allocateId(Stream s) {
        long id = nextFreeId();
        inFlight.put(id, s);
        return id;
    }

    /** The next id not in flight; one-way requests take one too, so no answer can be mistaken for theirs. */
    private long nextFreeId() {
        long id = lastId;
        do {
            long next = protocol.nextRequestId(id);
            idsWrapped |= next <= id;
            id = next;
        } while (idsWrapped && inFlight.contains(id));
        lastId = id;
        return id;
    }

    // ---- responses ----

    @Override
    void onFrame(XFrame frame) {
        if (heartbeatOutstanding && frame.requestId() == heartbeatId && frame.isHeartbeat()) {
            heartbeatOutstanding = false; // the upstream is alive
            untrack(frame.requestId());
            frame.release();
            return;
        }
        if (frame.isRequest()) {
            if (frame.isHeartbeat()) {
                write(protocol.heartbeatResponse(frame));
            }
            frame.release(); // an upstream does not send us requests otherwise
            return;
        }
        Stream s = untrack(frame.requestId());
        if (s == null) {
            log.debug("{} upstream {} answered unknown request id {}; dropped", protocol.name(), ctx.channel().remoteAddress(), frame.requestId());
            frame.release();
            return;
        }
        s.answered(frame);
    }

    /**
     * The connection read nothing for the keepalive interval: send the protocol's heartbeat and
     * close the connection if no answer comes within {@link #HEARTBEAT_TIMEOUT_MILLIS}, so a dead
     * peer is found before a request is sent into it.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof IdleStateEvent)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (closed || heartbeatOutstanding) {
            return;
        }
        long id = allocateId(null);
        XFrame heartbeat = protocol.heartbeatRequest(id);
        if (heartbeat == null) {
            untrack(id);
            return;
        }
        heartbeatId = id;
        heartbeatOutstanding = true;
        write(heartbeat);
        ctx.executor().schedule(() -> {
            if (heartbeatOutstanding && heartbeatId == id && !closed) {
                log.info("{} upstream {} did not answer a heartbeat within {} ms; closing the connection",
                        protocol.name(), ctx.channel().remoteAddress(), heartbeatTimeoutMillis);
                ctx.close();
            }
        }, heartbeatTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        owner.closed(this);
        super.channelInactive(ctx);
        Stream waiting;
        while ((waiting = queued.poll()) != null) {
            waiting.failed(ResetReason.CONNECTION_TERMINATION);
        }
        endedInQueue = 0;
        if (!inFlight.isEmpty()) {
            List<Stream> pending = inFlight.values();
            inFlight.clear();
            for (Stream s : pending) {
                if (s != null) { // null: the keepalive heartbeat
                    s.failed(ResetReason.CONNECTION_TERMINATION);
                }
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            writeQueued(); // may fill the buffer again (and come back here, not writable, meanwhile)
        } else {
            bufferFull.inc();
        }
        boolean writable = ctx.channel().isWritable();
        for (Stream s : inFlight.values()) {
            if (s != null) {
                s.receiver.onWritabilityChanged(writable);
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    private void writeQueued() {
        Stream s;
        while (!closed && ctx.channel().isWritable() && (s = queued.poll()) != null) {
            if (s.ended) {
                endedInQueue--;
                continue;
            }
            s.waiting = false;
            s.write();
        }
    }

    /** A queued request was given up: forget it now and then, not one by one (the queue is in order). */
    private void endedWhileQueued() {
        dropped.inc();
        if (++endedInQueue > 64 && endedInQueue > queued.size() / 2) {
            queued.removeIf(q -> q.ended);
            endedInQueue = 0;
        }
    }

    /** One request sent on this connection and its answer. */
    private final class Stream implements StreamSender {
        private final StreamReceiver receiver;
        private XFrame request;
        private long id;
        private boolean hasId;
        private boolean ended;
        /** In {@link #queued}, not written yet. */
        private boolean waiting;

        Stream(StreamReceiver receiver) {
            this.receiver = receiver;
        }

        @Override
        public void sendHeaders(Headers headers, boolean endStream) {
            if (ended) {
                return;
            }
            if (!(headers.message() instanceof XFrame request)) {
                // an HTTP request routed to an RPC cluster: nothing to encode
                log.debug("{} upstream {}: the request is not a {} frame; refusing it", protocol.name(), ctx.channel().remoteAddress(), protocol.name());
                failed(ResetReason.PROTOCOL_ERROR);
                return;
            }
            if (closed) {
                failed(ResetReason.CONNECTION_TERMINATION);
                return;
            }
            this.request = request;
            if (!queued.isEmpty() || !ctx.channel().isWritable()) {
                // the buffer is past its limit: wait here, where a request given up can still be
                // taken back; the proxy sees isWritable() false and pauses the client
                waiting = true;
                queued.add(this);
                return;
            }
            write();
        }

        /** Encodes the request with an id of this connection and writes it. */
        void write() {
            XFrame request = this.request;
            this.request = null; // the downstream side owns it, and may release it once answered
            boolean oneWay = request.isOneWay();
            if (!oneWay) {
                id = allocateId(this);
                hasId = true;
            }
            // the frame still belongs to the downstream side, which needs it for a local reply
            request.setRequestId(oneWay ? nextFreeId() : id);
            ByteBuf encoded = null;
            try {
                if (!batched(request)) {
                    encoded = protocol.encode(request, ctx.alloc());
                }
            } catch (RuntimeException e) {
                // a filter's header change the protocol cannot carry (bolt: a header map over 32 KiB)
                log.info("{} upstream {}: cannot encode request {}: {}", protocol.name(), ctx.channel().remoteAddress(), request.requestId(), e.getMessage());
                failed(ResetReason.PROTOCOL_ERROR);
                return;
            }
            // the bytes are on their way with references of their own; the answer may take long,
            // and all the request needs until then is its headers and what an error answer takes
            request.releasePayload();
            if (encoded != null) {
                writeEncoded(encoded);
            } else {
                flushThisTurn();
            }
            if (oneWay) {
                // nothing will come back: the stream is over once the request is out
                ended = true;
                streamDone();
                receiver.onHeaders(Headers.response(200), true);
            }
        }

        @Override
        public void sendData(ByteBuf data, boolean endStream) {
            data.release(); // the body travels inside the frame
        }

        @Override
        public void sendTrailers(Headers trailers) {
        }

        void answered(XFrame response) {
            if (ended) {
                response.release();
                return;
            }
            ended = true;
            streamDone();
            receiver.onHeaders(response.headers(), true);
        }

        void failed(ResetReason reason) {
            if (ended) {
                return;
            }
            ended = true;
            if (waiting) {
                waiting = false;
                if (!closed) {
                    endedWhileQueued();
                }
            }
            if (hasId) {
                untrack(id);
            }
            streamDone();
            receiver.onReset(reason);
        }

        @Override
        public void reset(ResetReason reason) {
            // given up on (timeout, caller gone): a late answer is dropped by id, a queued
            // request is never sent
            if (!ended) {
                ended = true;
                if (waiting) {
                    waiting = false;
                    endedWhileQueued();
                }
                if (hasId) {
                    untrack(id);
                }
                streamDone();
            }
        }

        @Override
        public void readDisable(boolean disable) {
            // whole frames: nothing to pace per stream
        }

        /** False while the request waits in the queue, or the connection's buffer is past its limit. */
        @Override
        public boolean isWritable() {
            return !waiting && ctx.channel().isWritable();
        }
    }
}
