package io.mosn4j.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Listeners and upstream connections do not ask for TCP_NODELAY (a system call per connection):
 * they rely on the transport's socket channels turning it on. A Netty that stops doing so makes
 * this fail, and the options must come back.
 */
class TcpNoDelayDefaultTest {

    /** The transport this machine runs (epoll on Linux) and NIO, which the others run. */
    static Stream<Transport> transports() {
        return Stream.of(Transport.best(),
                new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class));
    }

    @ParameterizedTest
    @MethodSource("transports")
    void acceptedAndConnectedSocketsHaveNoDelayWithoutAskingForIt(Transport transport) throws Exception {
        EventLoopGroup group = transport.newGroup(1, "nodelay-test");
        try {
            CompletableFuture<Boolean> accepted = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            accepted.complete(ch.config().getOption(ChannelOption.TCP_NODELAY));
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            Channel client = new Bootstrap().group(group).channel(transport.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();

            assertThat(client.config().getOption(ChannelOption.TCP_NODELAY)).as("upstream side").isTrue();
            assertThat(accepted.get(5, TimeUnit.SECONDS)).as("listener side").isTrue();
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
