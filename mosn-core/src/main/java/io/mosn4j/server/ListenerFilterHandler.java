package io.mosn4j.server;

import io.mosn4j.api.network.AcceptedConnection;
import io.mosn4j.api.network.ListenerFilter;
import io.mosn4j.network.Addresses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The head of a new connection's pipeline while its listener's filters look at it: runs them in
 * order on the bytes read so far, then chooses the filter chain by what they found, installs the
 * chain's network filters after itself and steps out, handing them every byte not consumed. A
 * connection that does not let its filters decide within {@link #TIMEOUT_SECONDS} is closed
 * (Envoy's listener filter timeout).
 */
final class ListenerFilterHandler extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ListenerFilterHandler.class);
    static final long TIMEOUT_SECONDS = 15;

    private final ListenerChains chains;
    private Facts facts;
    private int next;
    private ScheduledFuture<?> timeout;
    private boolean finished;

    ListenerFilterHandler(ListenerChains chains) {
        this.chains = chains;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            begin(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        begin(ctx);
        super.channelActive(ctx);
    }

    private void begin(ChannelHandlerContext ctx) {
        if (facts != null) {
            return;
        }
        facts = new Facts((InetSocketAddress) ctx.channel().localAddress(), (InetSocketAddress) ctx.channel().remoteAddress());
        timeout = ctx.executor().schedule(() -> {
            if (!finished) {
                log.info("listener {}: connection from {} not identified within {}s by its listener filters; closing it",
                        chains.config().name(), ctx.channel().remoteAddress(), TIMEOUT_SECONDS);
                ctx.close();
            }
        }, TIMEOUT_SECONDS, TimeUnit.SECONDS);
        run(ctx, Unpooled.EMPTY_BUFFER); // filters that need no bytes decide now
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (facts != null && !finished) {
            run(ctx, in);
        }
    }

    private void run(ChannelHandlerContext ctx, ByteBuf in) {
        List<ListenerFilter> filters = chains.listenerFilters();
        while (next < filters.size()) {
            ListenerFilter f = filters.get(next);
            if (f.needsData() && !in.isReadable()) {
                return;
            }
            ListenerFilter.Status s = f.onData(f.needsData() ? in : Unpooled.EMPTY_BUFFER, facts);
            switch (s) {
                case CONTINUE -> next++;
                case NEED_MORE_DATA -> {
                    if (in.readableBytes() >= f.maxBytes()) {
                        log.info("listener {}: listener filter {} gave up on {} after {} bytes; closing it", chains.config().name(),
                                f.getClass().getSimpleName(), ctx.channel().remoteAddress(), in.readableBytes());
                        reject(ctx, in);
                    }
                    return;
                }
                case REJECT -> {
                    reject(ctx, in);
                    return;
                }
            }
        }
        finish(ctx);
    }

    private void reject(ChannelHandlerContext ctx, ByteBuf in) {
        finished = true;
        cancelTimeout();
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    private void finish(ChannelHandlerContext ctx) {
        finished = true;
        cancelTimeout();
        Addresses.restore(ctx.channel(), facts.local, facts.remote);
        ListenerChains.Chain chain = chains.select(facts);
        if (chain == null) {
            log.info("listener {}: no filter chain matches the connection from {} (to {}, server name {}); closing it",
                    chains.config().name(), facts.remote, facts.local, facts.serverName);
            ctx.close();
            return;
        }
        if (!chain.install(ctx.channel(), facts)) {
            return; // closed (plaintext on a TLS chain); the bytes read go with the connection
        }
        ctx.pipeline().remove(this); // hands the bytes not consumed to the chain's filters (TLS first)
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    /** What the listener filters learn about the connection. */
    private static final class Facts implements AcceptedConnection {
        InetSocketAddress local;
        InetSocketAddress remote;
        String transportProtocol = "raw_buffer";
        String serverName;
        List<String> applicationProtocols = List.of();

        Facts(InetSocketAddress local, InetSocketAddress remote) {
            this.local = local;
            this.remote = remote;
        }

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }

        @Override
        public void setLocalAddress(InetSocketAddress address) {
            local = address;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public void setRemoteAddress(InetSocketAddress address) {
            remote = address;
        }

        @Override
        public String transportProtocol() {
            return transportProtocol;
        }

        @Override
        public void setTransportProtocol(String protocol) {
            transportProtocol = protocol;
        }

        @Override
        public String serverName() {
            return serverName;
        }

        @Override
        public void setServerName(String name) {
            serverName = name;
        }

        @Override
        public List<String> applicationProtocols() {
            return applicationProtocols;
        }

        @Override
        public void setApplicationProtocols(List<String> protocols) {
            applicationProtocols = List.copyOf(protocols);
        }
    }
}
