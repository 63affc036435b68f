package io.mosn4j.protocol.bolt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.remoting.BizContext;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcResponseFuture;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.protocol.SyncUserProcessor;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.protocol.XProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SOFABolt's own client and server, on loopback, with our codec between them used the way the
 * proxy core uses it: decode, answer heartbeats, remap ids upstream and restore them downstream,
 * reply with {@code errorResponse}. Each query is bounded by a short timeout.
 */
@Timeout(60)
class SofaBoltEndToEndTest {
    static final BoltProtocol BOLT = new BoltProtocol();

    static EventLoopGroup group;
    static RpcServer server;
    static final BlockingQueue<String> onewaysSeen = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new RpcServer("127.0.0.1", 0, false);
        server.registerUserProcessor(new SyncUserProcessor<String>() {
            @Override
            public Object handleRequest(BizContext ctx, String request) {
                if (request.startsWith("oneway:")) {
                    onewaysSeen.add(request);
                }
                return "echo:" + request;
            }

            @Override
            public String interest() {
                return String.class.getName();
            }
        });
        server.startup();
    }

    @AfterAll
    static void stop() {
        server.shutdown();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** SOFABolt's address syntax for bolt, boltv2 with ver1 1, and boltv2 with ver1 2 (CRC on). */
    static String address(int port, String layout) {
        return switch (layout) {
            case "bolt" -> "127.0.0.1:" + port;
            case "boltv2" -> "127.0.0.1:" + port + "?_PROTOCOL=2&_VERSION=1";
            case "boltv2-crc" -> "127.0.0.1:" + port + "?_PROTOCOL=2&_VERSION=2";
            default -> throw new IllegalArgumentException(layout);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"bolt", "boltv2", "boltv2-crc"})
    void clientThroughOurCodecToServer(String layout) throws Exception {
        try (Proxy proxy = new Proxy(new InetSocketAddress("127.0.0.1", server.port()))) {
            RpcClient client = new RpcClient();
            client.startup();
            try {
                String addr = address(proxy.port(), layout);
                assertThat(client.invokeSync(addr, "hello", 3000)).isEqualTo("echo:hello");

                // many in flight at once: every answer comes back to the call that asked
                List<RpcResponseFuture> futures = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    futures.add(client.invokeWithFuture(addr, "req-" + i + "-" + "y".repeat(i * 17), 5000));
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertThat(futures.get(i).get()).isEqualTo("echo:req-" + i + "-" + "y".repeat(i * 17));
                }

                client.oneway(addr, "oneway:" + layout);
                assertThat(onewaysSeen.poll(5, TimeUnit.SECONDS)).isEqualTo("oneway:" + layout);

                assertThat(proxy.requests.get()).isEqualTo(202);
                assertThat(proxy.crcFrames.get() > 0).isEqualTo(layout.equals("boltv2-crc"));
                assertThat(proxy.errors).isEmpty();
            } finally {
                client.shutdown();
            }
        }
    }

    /**
     * SOFABolt's client sends a heartbeat per 100 ms idle here and closes the connection once three
     * went unanswered for 1 s each; answered, the one connection stays up past that.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bolt", "boltv2-crc"})
    void heartbeatsAreAnswered(String layout) throws Exception {
        assertThat(heartbeatsFor(layout, true, Duration.ofMillis(2500))).isEqualTo(1);
    }

    /** The control: with no answers, SOFABolt's client does give up on the connection. */
    @Test
    void unansweredHeartbeatsCostTheConnection() throws Exception {
        assertThat(heartbeatsFor("bolt", false, Duration.ofMillis(2500))).isEqualTo(2);
    }

    /** How many connections the client needed for one call, an idle spell, and another call. */
    static int heartbeatsFor(String layout, boolean answer, Duration idle) throws Exception {
        System.setProperty("bolt.tcp.heartbeat.interval", "100");
        try (Proxy proxy = new Proxy(new InetSocketAddress("127.0.0.1", server.port()), answer)) {
            RpcClient client = new RpcClient();
            client.startup();
            try {
                String addr = address(proxy.port(), layout);
                assertThat(client.invokeSync(addr, "before", 3000)).isEqualTo("echo:before");
                Thread.sleep(idle.toMillis());
                assertThat(proxy.heartbeats.get()).isGreaterThanOrEqualTo(5);
                assertThat(client.invokeSync(addr, "after", 3000)).isEqualTo("echo:after");
                assertThat(proxy.errors).isEmpty();
                return proxy.downstreamConnections.get();
            } finally {
                client.shutdown();
            }
        } finally {
            System.clearProperty("bolt.tcp.heartbeat.interval");
        }
    }

    /** The client gets each error reply as an exception at once, not after its timeout. */
    @ParameterizedTest
    @EnumSource(ProxyError.class)
    void errorRepliesFailTheCallAtOnce(ProxyError error) throws Exception {
        for (String layout : new String[] {"bolt", "boltv2-crc"}) {
            try (ErrorServer errors = new ErrorServer(error)) {
                RpcClient client = new RpcClient();
                client.startup();
                try {
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> client.invokeSync(address(errors.port(), layout), "hi", 20_000))
                            .isInstanceOf(SofaBoltCodecInteropTest.expectedException(error));
                    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
                } finally {
                    client.shutdown();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the codec on a connection

    /** Turns bytes into frames with {@link XProtocol#decode}. */
    static final class FrameDecoder extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            XFrame f;
            while ((f = BOLT.decode(in)) != null) {
                out.add(f);
            }
        }
    }

    static Channel listen(ChannelInitializer<SocketChannel> init) {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(init)
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    /**
     * A proxy for one upstream: per downstream connection one upstream connection on the same event
     * loop; requests get ids from {@link XProtocol#nextRequestId} (starting far from the client's),
     * responses get their ids back.
     */
    static final class Proxy implements AutoCloseable {
        final Channel listener;
        final AtomicInteger heartbeats = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger crcFrames = new AtomicInteger();
        final AtomicInteger downstreamConnections = new AtomicInteger();
        final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

        Proxy(InetSocketAddress upstream) {
            this(upstream, true);
        }

        Proxy(InetSocketAddress upstream, boolean answerHeartbeats) {
            listener = listen(new ChannelInitializer<>() {
                @Override
                protected void initChannel(SocketChannel down) {
                    downstreamConnections.incrementAndGet();
                    Map<Long, Long> pending = new HashMap<>();
                    long[] lastId = {4_000_000_000L};
                    ChannelFuture up = new Bootstrap().group(down.eventLoop()).channel(NioSocketChannel.class)
                            .handler(new ChannelInitializer<SocketChannel>() {
                                @Override
                                protected void initChannel(SocketChannel ch) {
                                    ch.pipeline().addLast(new FrameDecoder(), new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            XFrame f = (XFrame) msg;
                                            count(f);
                                            Long original = pending.remove(f.requestId());
                                            if (original == null) {
                                                errors.add(new AssertionError("unknown upstream id " + f));
                                                f.release();
                                                return;
                                            }
                                            f.setRequestId(original);
                                            down.writeAndFlush(BOLT.encode(f, ctx.alloc()));
                                            f.release();
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            errors.add(cause);
                                            ctx.close();
                                        }
                                    });
                                }
                            })
                            .connect(upstream);
                    up.channel().closeFuture().addListener(x -> down.close());
                    down.closeFuture().addListener(x -> up.channel().close());
                    down.pipeline().addLast(new FrameDecoder(), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            XFrame f = (XFrame) msg;
                            count(f);
                            if (f.isHeartbeat()) {
                                heartbeats.incrementAndGet();
                                if (!answerHeartbeats) {
                                    f.release();
                                    return;
                                }
                                XFrame ack = BOLT.heartbeatResponse(f);
                                ctx.writeAndFlush(BOLT.encode(ack, ctx.alloc()));
                                ack.release();
                                f.release();
                                return;
                            }
                            requests.incrementAndGet();
                            lastId[0] = BOLT.nextRequestId(lastId[0]);
                            if (!f.isOneWay()) {
                                pending.put(lastId[0], f.requestId());
                            }
                            f.setRequestId(lastId[0]);
                            ByteBuf bytes = BOLT.encode(f, ctx.alloc());
                            f.release();
                            up.addListener(x -> up.channel().writeAndFlush(bytes));
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            errors.add(cause);
                            ctx.close();
                        }
                    });
                }
            });
        }

        void count(XFrame f) {
            if (((BoltFrame) f).hasCrc()) {
                crcFrames.incrementAndGet();
            }
        }

        int port() {
            return ((InetSocketAddress) listener.localAddress()).getPort();
        }

        @Override
        public void close() {
            listener.close().syncUninterruptibly();
        }
    }

    /** Answers every request with {@code errorResponse}, heartbeats with {@code heartbeatResponse}. */
    static final class ErrorServer implements AutoCloseable {
        final Channel listener;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        ErrorServer(ProxyError error) {
            listener = listen(new ChannelInitializer<>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new FrameDecoder(), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            XFrame f = (XFrame) msg;
                            XFrame reply = f.isHeartbeat() ? BOLT.heartbeatResponse(f)
                                    : BOLT.errorResponse(f, error, error + " from the test");
                            ctx.writeAndFlush(BOLT.encode(reply, ctx.alloc()));
                            reply.release();
                            f.release();
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            failure.set(cause);
                            ctx.close();
                        }
                    });
                }
            });
        }

        int port() {
            return ((InetSocketAddress) listener.localAddress()).getPort();
        }

        @Override
        public void close() {
            listener.close().syncUninterruptibly();
            assertThat(failure.get()).isNull();
        }
    }
}
