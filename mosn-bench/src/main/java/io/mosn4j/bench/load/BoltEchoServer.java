package io.mosn4j.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backend of load.sh's bolt case: a bolt v1 server that answers every rpc request with a
 * response carrying the same id, status 0 (success), a short class name and the request's content,
 * answers heartbeats with a heartbeat ack, and drops oneway requests. Frames are split by hand at
 * their fixed offsets ({@link BoltWire}); nothing is deserialized.
 *
 * <pre>
 * java -cp mosn-bench/target/benchmarks.jar io.mosn4j.bench.load.BoltEchoServer PORT [THREADS [HOST]]
 * </pre>
 *
 * THREADS event-loop threads (default 1), HOST 127.0.0.1 by default. Prints one line once it listens
 * and runs until it is stopped (SIGTERM / Ctrl-C); then it prints what it served.
 */
public final class BoltEchoServer {
    static final byte[] RESPONSE_CLASS = "com.example.EchoResponse".getBytes(StandardCharsets.UTF_8);
    static final int MAX_FRAME = 16 * 1024 * 1024;

    private static final AtomicLong requests = new AtomicLong();
    private static final AtomicLong heartbeats = new AtomicLong();
    private static final AtomicLong failures = new AtomicLong();

    private BoltEchoServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3 || args[0].startsWith("-")) {
            System.err.println("usage: BoltEchoServer PORT [THREADS [HOST]]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String host = args.length > 2 ? args[2] : "127.0.0.1";
        BoltWire.Transport transport = BoltWire.Transport.pick();
        EventLoopGroup boss = transport.group(1);
        EventLoopGroup workers = transport.group(threads);
        try {
            Channel server = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new BoltWire.FrameDecoder(MAX_FRAME), new EchoHandler());
                        }
                    })
                    .bind(host, port).sync().channel();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
                boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
                System.out.printf("BoltEchoServer stopped: requests=%d heartbeats=%d failed_connections=%d%n",
                        requests.get(), heartbeats.get(), failures.get());
                System.out.flush();
            }, "bolt-echo-shutdown"));
            System.out.printf("BoltEchoServer listening on %s:%d (%s, %d threads)%n", host, port, transport.name(), threads);
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** One per connection; writes are flushed once per read batch. */
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        private long served;
        private long beats;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                int r = frame.readerIndex();
                byte type = frame.getByte(r + BoltWire.TYPE_OFFSET);
                short cmd = frame.getShort(r + BoltWire.CMD_OFFSET);
                if (type != BoltWire.TYPE_REQUEST) {
                    return; // oneway: no answer; a response: nothing asked for it
                }
                if (cmd == BoltWire.CMD_HEARTBEAT) {
                    beats++;
                    ctx.write(BoltWire.response(ctx.alloc(), frame, BoltWire.CMD_HEARTBEAT, 0, new byte[0], 0, 0),
                            ctx.voidPromise());
                    return;
                }
                served++;
                ctx.write(BoltWire.response(ctx.alloc(), frame, BoltWire.CMD_RPC_RESPONSE, 0, RESPONSE_CLASS,
                        r + BoltWire.contentOffset(frame), BoltWire.contentLength(frame)), ctx.voidPromise());
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            requests.addAndGet(served);
            heartbeats.addAndGet(beats);
            served = 0;
            beats = 0;
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (failures.incrementAndGet() <= 10) {
                System.err.println("BoltEchoServer: closing " + ctx.channel().remoteAddress() + ": " + cause);
            }
            ctx.close();
        }
    }
}
