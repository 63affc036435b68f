package io.mosn4j.example;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.network.NetworkFilterFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * {@code example_echo}: a network filter that answers every connection itself, sending back what
 * it reads (a health port, a test target). A network filter works on a connection's bytes, so it is
 * a Netty pipeline stage; backpressure comes free: it stops reading while the client does not read.
 */
public final class EchoFilter implements NetworkFilter {
    @Override
    public void install(io.netty.channel.Channel channel) {
        channel.pipeline().addLast(Echo.INSTANCE);
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public String toString() {
        return "example_echo";
    }

    /** Registered as {@code example_echo}; takes no config. */
    public static final class Factory implements NetworkFilterFactory {
        @Override
        public String name() {
            return "example_echo";
        }

        @Override
        public NetworkFilter create(ConfigValue config, ListenerContext listener) {
            if (config.isObject() && !config.keys().isEmpty()) {
                throw config.error("", "example_echo takes no config");
            }
            return new EchoFilter();
        }
    }
}
