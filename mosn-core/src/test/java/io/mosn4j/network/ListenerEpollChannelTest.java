package io.mosn4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.ListenerEpollChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The listening channel of the epoll transport and its connections, which skip Netty's per-connection
 * address, option and epoll calls: what a handler sees of them must be what Netty's own channel
 * shows. Real sockets on 127.0.0.1, a java.net client.
 */
class ListenerEpollChannelTest {
    private EventLoopGroup group;
    private final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();

    @BeforeEach
    void loops() {
        assumeTrue(Epoll.isAvailable(), "epoll only");
        group = Transport.best().newGroup(1, "listener-test");
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** A server whose connections answer each read with "echo:" and what came, after {@code init} ran on them. */
    private Channel listen(String host, Consumer<Channel> init, boolean autoRead) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(ListenerEpollChannel.class)
                .childOption(ChannelOption.AUTO_READ, autoRead)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        seen.add(ch);
                        init.accept(ch);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                String text = ((ByteBuf) msg).toString(StandardCharsets.US_ASCII);
                                ((ByteBuf) msg).release();
                                seen.add(text);
                                ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(("echo:" + text).getBytes(StandardCharsets.US_ASCII)));
                            }

                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof ChannelInputShutdownEvent) {
                                    seen.add("input shut");
                                    ctx.writeAndFlush(ctx.alloc().buffer().writeBytes("bye".getBytes(StandardCharsets.US_ASCII)))
                                            .addListener(f -> ctx.close());
                                }
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress(host, 0)).sync().channel();
    }

    private static int port(Channel server) {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static String read(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
    }

    @Test
    void aConnectionShowsItsAddressesOptionsAndParentAndReadsWhatCameBeforeItWasRegistered() throws Exception {
        Channel server = listen("127.0.0.1", ch -> {}, true);
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port(server)));
            OutputStream out = client.getOutputStream();
            out.write("hello".getBytes(StandardCharsets.US_ASCII)); // likely in the socket before the channel is registered
            out.flush();
            assertThat(read(client.getInputStream(), 10)).isEqualTo("echo:hello");

            SocketChannel ch = (SocketChannel) seen.poll(5, TimeUnit.SECONDS);
            assertThat(ch.localAddress()).isEqualTo(client.getRemoteSocketAddress());
            assertThat(ch.remoteAddress()).isEqualTo(client.getLocalSocketAddress());
            assertThat(ch.parent()).isSameAs(server);
            assertThat(ch.config().getOption(ChannelOption.TCP_NODELAY)).isTrue();
            assertThat(ch.config().getOption(ChannelOption.SO_SNDBUF)).isPositive();
            assertThat(ch.config().getOption(ChannelOption.SO_KEEPALIVE)).isFalse();
            ch.config().setOption(ChannelOption.SO_KEEPALIVE, true);
            assertThat(ch.config().getOption(ChannelOption.SO_KEEPALIVE)).isTrue();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void onAWildcardAddressTheLocalAddressIsTheOneConnectedTo() throws Exception {
        Channel server = listen("0.0.0.0", ch -> {}, true);
        try (Socket client = new Socket("127.0.0.1", port(server))) {
            client.getOutputStream().write('x');
            assertThat(read(client.getInputStream(), 6)).isEqualTo("echo:x");
            SocketChannel ch = (SocketChannel) seen.poll(5, TimeUnit.SECONDS);
            // asked on the connection's loop, as handlers ask; another thread gets it once the loop has
            assertThat(ch.eventLoop().submit(ch::localAddress).get(5, TimeUnit.SECONDS))
                    .isEqualTo(new InetSocketAddress("127.0.0.1", port(server)));
            assertThat(ch.localAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", port(server)));
        } finally {
            server.close().sync();
        }
    }

    @Test
    void onAWildcardAddressAConnectionClosedBeforeAnyoneAskedStillKnowsItsLocalAddress() throws Exception {
        Channel server = listen("0.0.0.0", ch -> {}, true);
        try (Socket client = new Socket("127.0.0.1", port(server))) {
            Channel ch = (Channel) seen.poll(5, TimeUnit.SECONDS);
            ch.close().sync();
            assertThat(ch.localAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", port(server)));
            assertThat(ch.remoteAddress()).isEqualTo(client.getLocalSocketAddress());
        } finally {
            server.close().sync();
        }
    }

    @Test
    void withAutoReadOffNothingIsReadUntilAsked() throws Exception {
        for (boolean inInit : new boolean[] {false, true}) {
            // off as a child option (before registration) and off in the initializer (after it)
            Channel server = listen("127.0.0.1", ch -> {
                if (inInit) {
                    ch.config().setAutoRead(false);
                }
            }, inInit); // auto-read on as an option only when the initializer turns it off
            try (Socket client = new Socket("127.0.0.1", port(server))) {
                client.getOutputStream().write("early".getBytes(StandardCharsets.US_ASCII));
                Channel ch = (Channel) seen.poll(5, TimeUnit.SECONDS);
                assertThat(seen.poll(300, TimeUnit.MILLISECONDS)).as("read with auto-read off (in init: %s)", inInit).isNull();
                ch.read();
                assertThat(read(client.getInputStream(), 10)).isEqualTo("echo:early");
                assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("early");
            } finally {
                server.close().sync();
            }
        }
    }

    @Test
    void aHalfClosedConnectionStillGetsItsAnswerAndClosesCleanly() throws Exception {
        Channel server = listen("127.0.0.1", ch -> ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true), true);
        try (Socket client = new Socket("127.0.0.1", port(server))) {
            client.getOutputStream().write('q');
            assertThat(read(client.getInputStream(), 6)).isEqualTo("echo:q");
            client.shutdownOutput();
            assertThat(read(client.getInputStream(), 3)).isEqualTo("bye");
            assertThat(client.getInputStream().read()).as("end of stream after the server's close").isEqualTo(-1);
            Channel ch = (Channel) seen.poll(5, TimeUnit.SECONDS);
            assertThat(ch.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(ch.isOpen()).isFalse();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void connectionsOpenedAndClosedInTurnReuseDescriptorsWithoutMixingThemUp() throws Exception {
        // a closed socket leaves the epoll set when closed, not by epoll_ctl(DEL): the next connection
        // usually gets the same descriptor number on the same loop, and must work as the first did
        Channel server = listen("127.0.0.1", ch -> {}, true);
        try {
            for (int i = 0; i < 300; i++) {
                try (Socket client = new Socket("127.0.0.1", port(server))) {
                    client.getOutputStream().write(("n" + i).getBytes(StandardCharsets.US_ASCII));
                    String want = "echo:n" + i;
                    assertThat(read(client.getInputStream(), want.length())).isEqualTo(want);
                    Channel ch = (Channel) seen.poll(5, TimeUnit.SECONDS);
                    assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("n" + i);
                    if (i % 2 == 0) {
                        ch.close().sync(); // the server closes: the client sees the end
                        assertThat(client.getInputStream().read()).isEqualTo(-1);
                    }
                }
            }
        } finally {
            server.close().sync();
        }
    }

    @Test
    void aResetIsAllowedALingeringCloseIsNot() throws Exception {
        Channel server = listen("127.0.0.1", ch -> {}, true);
        try (Socket client = new Socket("127.0.0.1", port(server))) {
            client.getOutputStream().write('r');
            assertThat(read(client.getInputStream(), 6)).isEqualTo("echo:r");
            Channel ch = (Channel) seen.poll(5, TimeUnit.SECONDS);
            assertThatThrownBy(() -> ch.config().setOption(ChannelOption.SO_LINGER, 5)).isInstanceOf(IllegalArgumentException.class);
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close().sync();
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        } finally {
            server.close().sync();
        }
    }

    @Test
    void twoListenersShareAPortWithReusePort() throws Exception {
        Channel first = new ServerBootstrap().group(group).channel(ListenerEpollChannel.class)
                .option(EpollChannelOption.SO_REUSEPORT, true).childHandler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Channel second = new ServerBootstrap().group(group).channel(ListenerEpollChannel.class)
                .option(EpollChannelOption.SO_REUSEPORT, true).childHandler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", port(first))).sync().channel();
        try {
            assertThat(second.config().getOption(EpollChannelOption.SO_REUSEPORT)).isTrue();
            assertThat(port(second)).isEqualTo(port(first));
        } finally {
            first.close().sync();
            second.close().sync();
        }
    }
}
