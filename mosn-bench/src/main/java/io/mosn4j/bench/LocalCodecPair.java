package io.mosn4j.bench;

import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ServerContext;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A server codec under benchmark on a real event loop: the codec named {@code codecName}, found by
 * ServiceLoader as the proxy finds it, installed on the accepted side of a local channel pair; the
 * other side takes off what the codec writes and releases it, counting the bytes ({@link #received}).
 */
final class LocalCodecPair {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    /** The accepted channel, the codec's. */
    final Channel connection;
    private final Channel server;
    private final Channel client;
    /** Bytes the client side took off; read and written on the loop only. */
    private long received;

    LocalCodecPair(String codecName, ServerStreamHandler streams) throws Exception {
        ProtocolCodec codec = ServiceLoader.load(ProtocolCodec.class).stream().map(ServiceLoader.Provider::get)
                .filter(c -> c.name().equals(codecName)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + codecName + " codec on the class path"));
        LocalAddress address = new LocalAddress(codecName.toLowerCase(Locale.ROOT) + "-codec-bench");
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        codec.installServer(ch, streams, new Context());
                        accepted.complete(ch);
                    }
                })
                .bind(address).sync().channel();
        client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof ByteBuf b) {
                            received += b.readableBytes();
                        }
                        ReferenceCountUtil.release(msg);
                    }
                })
                .connect(address).sync().channel();
        connection = accepted.get(5, TimeUnit.SECONDS);
    }

    /** The client side's channel, to write to the codec as a peer would. */
    Channel client() {
        return client;
    }

    /** Bytes taken off so far (asks the loop). */
    long received() throws InterruptedException, ExecutionException {
        return onLoop(() -> received);
    }

    <T> T onLoop(Callable<T> c) throws InterruptedException, ExecutionException {
        return group.next().submit(c).get();
    }

    void close() throws InterruptedException {
        client.close().sync();
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** A listener's context, as the proxy gives the codec one: no options, a 1 s graceful close. */
    private static final class Context implements ServerContext {
        @Override
        public Object options() {
            return null;
        }

        @Override
        public Duration gracefulTimeout() {
            return Duration.ofSeconds(1);
        }

        @Override
        public String listenerName() {
            return "bench";
        }
    }

    /** The proxy's side of a stream, reduced to releasing what it is given; a reset is reported. */
    static final class Discard implements StreamReceiver {
        private final Runnable onReset;

        Discard(Runnable onReset) {
            this.onReset = onReset;
        }

        @Override
        public void onHeaders(Headers headers, boolean endStream) {}

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            data.release();
        }

        @Override
        public void onTrailers(Headers trailers) {}

        @Override
        public void onReset(ResetReason reason) {
            onReset.run();
        }
    }
}
