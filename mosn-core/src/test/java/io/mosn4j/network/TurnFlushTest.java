package io.mosn4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mosn4j.api.network.TurnFlush;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link TurnFlush} on the proxy's own event loops (their threads offer the end of a turn's I/O):
 * asked for while the loop handles a ready connection, the flush runs once, after that connection's
 * read, at the end of the loop's I/O and not from the loop's task queue; asked for from a task, it
 * runs from the task queue; a flush that throws leaves the loop serving. A real echo server on
 * 127.0.0.1 whose replies only leave at the flush.
 */
class TurnFlushTest {
    /** Where each flush ran from: "io" (the end of the loop's I/O) or "task" (the task queue). */
    private final List<String> ranFrom = new CopyOnWriteArrayList<>();

    @Test
    void aFlushAskedForDuringIoRunsOnceAtTheEndOfTheLoopsIo() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll only: the loops offering the end of their I/O");
        String reply = echo((ctx, flush) -> {
            flush.request(ctx.channel().eventLoop());
            flush.request(ctx.channel().eventLoop()); // asked twice, runs once
        }, "abc", false);
        assertThat(reply).isEqualTo("abc");
        assertThat(ranFrom).containsExactly("io");
    }

    @Test
    void aFlushAskedForFromATaskRunsFromTheTaskQueue() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll only");
        String reply = echo((ctx, flush) -> ctx.channel().eventLoop().execute(() -> flush.request(ctx.channel().eventLoop())), "xyz", false);
        assertThat(reply).isEqualTo("xyz");
        assertThat(ranFrom).containsExactly("task");
    }

    @Test
    void aFlushThatThrowsLeavesTheLoopServing() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll only");
        String reply = echo((ctx, flush) -> flush.request(ctx.channel().eventLoop()), "again", true);
        assertThat(reply).isEqualTo("again");
        assertThat(ranFrom).containsExactly("io", "io");
    }

    interface OnRead {
        void read(ChannelHandlerContext ctx, TurnFlush flush);
    }

    /**
     * Sends {@code text} to an echo server on the transport's loops and returns what came back; with
     * {@code failFirst} the first connection's flush throws before flushing, and a second connection
     * is then served.
     */
    private String echo(OnRead onRead, String text, boolean failFirst) throws Exception {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1, "turn-flush-test");
        try {
            boolean[] failed = {!failFirst};
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new Echo(onRead, failed));
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            if (failFirst) {
                try (Socket s = connect(server)) {
                    s.getOutputStream().write("lost".getBytes());
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (ranFrom.isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertThat(ranFrom).as("the failing flush ran").containsExactly("io");
                }
            }
            try (Socket s = connect(server)) {
                s.getOutputStream().write(text.getBytes());
                InputStream in = s.getInputStream();
                byte[] got = in.readNBytes(text.length());
                return new String(got);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Writes back what it reads; the reply leaves at the connection's TurnFlush. */
    private final class Echo extends ChannelInboundHandlerAdapter {
        private final OnRead onRead;
        private final boolean[] failed;
        private TurnFlush flush;

        Echo(OnRead onRead, boolean[] failed) {
            this.onRead = onRead;
            this.failed = failed;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            flush = new TurnFlush(() -> {
                ranFrom.add(where());
                if (!failed[0]) {
                    failed[0] = true;
                    throw new IllegalStateException("this flush fails");
                }
                ctx.flush();
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg); // leaves at the flush only
            onRead.read(ctx, flush);
        }
    }

    private static Socket connect(Channel server) throws Exception {
        Socket s = new Socket();
        s.connect(server.localAddress(), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    /** "task" when the loop's task queue runs the current code, else "io". */
    private static String where() {
        return Arrays.stream(Thread.currentThread().getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("runAllTasks")) ? "task" : "io";
    }
}
