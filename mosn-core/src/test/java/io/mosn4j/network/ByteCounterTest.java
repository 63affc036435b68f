package io.mosn4j.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.stats.StatsRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ByteCounter} on a real connection of the proxy's transport (127.0.0.1): it counts from the
 * channel, not from the pipeline, and counts each byte once: what the client sent as read, what it
 * received as written, whether the write came from the connection's loop or from another thread
 * (Netty sizes such a write twice: on that thread, then on the loop).
 */
class ByteCounterTest {

    @Test
    void countsTheBytesOfEveryReadAndWriteOnceWithNoHandlerInThePipeline() throws Exception {
        StatsRegistry stats = new StatsRegistry();
        Counter read = stats.counter("test.bytes_read_total");
        Counter written = stats.counter("test.bytes_write_total");
        ByteCounter bytes = new ByteCounter(read, written);
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1, "byte-counter-test");
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            bytes.install(ch);
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.writeAndFlush(msg); // echoed from the connection's loop
                                }
                            });
                            accepted.complete(ch);
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            try (Socket s = new Socket()) {
                s.connect(server.localAddress(), 5000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write(new byte[100]);
                assertThat(in.readNBytes(100)).hasSize(100);
                Channel ch = accepted.get(5, TimeUnit.SECONDS);
                assertThat(ch.pipeline().toMap()).as("the echo alone: nothing of the counter's in the pipeline").hasSize(1);
                assertThat(ByteCounter.of(ch)).isSameAs(bytes);

                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[37])).sync(); // from this thread, not the loop
                assertThat(in.readNBytes(37)).hasSize(37);
                out.write(new byte[5]);
                assertThat(in.readNBytes(5)).hasSize(5);
                ch.close().sync();
            }
            assertThat(read.get()).as("bytes read").isEqualTo(105);
            assertThat(written.get()).as("bytes written").isEqualTo(142);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
