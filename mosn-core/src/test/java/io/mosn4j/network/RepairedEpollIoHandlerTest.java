package io.mosn4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/**
 * A server that answers once its client half-closed, more than the socket buffers hold, to a
 * client that waits before reading: the server's socket drops to no interest (input ended,
 * nothing queued yet) and needs EPOLLOUT afterwards. With Netty's own epoll handler the answer is
 * cut short (the socket is no longer in the epoll set: ENOENT, the channel closes); with the
 * repaired one it arrives whole.
 */
class RepairedEpollIoHandlerTest {
    static final int ANSWER = 32 << 20;

    @Test
    void aHalfClosedConnectionGetsAllOfALargeAnswer() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll only");
        assertThat(answered(RepairedEpollIoHandler.newFactory())).isEqualTo(ANSWER);
    }

    @Test
    void nettysOwnHandlerCutsItShort() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll only");
        // documents why the repair exists; once Netty fixes it, this fails and the repair can go
        assertThat(answered(EpollIoHandler.newFactory())).isLessThan(ANSWER);
    }

    /** Bytes the client got. */
    private static long answered(IoHandlerFactory epoll) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, epoll);
        try {
            Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof ChannelInputShutdownReadComplete) {
                                // a little later, as a proxy's upstream would answer: by then the
                                // loop saw the input's end again and stopped reading it
                                ctx.channel().eventLoop().schedule(() -> {
                                    ByteBuf answer = Unpooled.directBuffer(ANSWER).writeZero(ANSWER);
                                    ctx.writeAndFlush(answer).addListener(f -> ctx.close());
                                }, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
                            }
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            try (Socket s = new Socket()) {
                s.connect(server.localAddress(), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write('x');
                s.shutdownOutput();
                Thread.sleep(500); // the answer fills the socket buffers first
                long total = 0;
                InputStream in = s.getInputStream();
                byte[] buf = new byte[65536];
                try {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        total += n;
                    }
                } catch (java.net.SocketException reset) {
                    // cut short
                }
                return total;
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
