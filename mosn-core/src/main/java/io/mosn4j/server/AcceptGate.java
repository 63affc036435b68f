package io.mosn4j.server;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.log.Throttle;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a listener's server socket: it sees each accepted connection before Netty
 * hands it to a worker loop, and every failure to accept.
 *
 * <ul>
 *   <li>A connection over the listener's or the server's {@code max_connections} is closed at once:
 *       the kernel's accept queue does not grow, the client learns right away, and the connections
 *       already open are served as before.
 *   <li>An accept that fails (mostly EMFILE, the process's file-descriptor limit) pauses accepting for
 *       {@link #PAUSE_MILLIS}: retrying at once would spin the acceptor, and Netty would log a warning
 *       per attempt. Established connections keep being served; pending ones wait in the kernel's queue.
 * </ul>
 * Each is counted, and logged at most once per {@link #LOG_EVERY_SECONDS} with how many it swallowed.
 */
final class AcceptGate extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);
    static final long PAUSE_MILLIS = 1000;
    static final long LOG_EVERY_SECONDS = 10;

    /** What every listener's gate shares: the server's limit, its counters and its log lines (one for the process). */
    static final class Shared {
        final ConnectionLimit all;
        final Stats stats;
        final Counter allOverflow;
        final Counter acceptErrors;
        final Throttle allLog = new Throttle(LOG_EVERY_SECONDS, TimeUnit.SECONDS);
        final Throttle errorLog = new Throttle(LOG_EVERY_SECONDS, TimeUnit.SECONDS);

        Shared(int maxConnections, Stats stats) {
            this.all = new ConnectionLimit(maxConnections);
            this.stats = stats;
            this.allOverflow = stats.counter("downstream.connection.overflow");
            this.acceptErrors = stats.counter("downstream.connection.accept_error");
        }
    }

    private final String listener;
    private final ConnectionLimit own;
    private final Shared shared;
    private final Counter ownOverflow;
    private final Throttle ownLog = new Throttle(LOG_EVERY_SECONDS, TimeUnit.SECONDS);

    AcceptGate(String listener, ConnectionLimit own, Shared shared) {
        this.listener = listener;
        this.own = own;
        this.shared = shared;
        this.ownOverflow = shared.stats.counter("listener." + listener + ".connection.overflow");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (!own.tryAcquire()) {
            ownOverflow.inc();
            long more = ownLog.due();
            if (more >= 0) {
                log.warn("listener {}: {} connections open, its max_connections; closing new ones as they are accepted{}", listener,
                        own.max(), Throttle.more(more, "refused"));
            }
            child.unsafe().closeForcibly();
            return;
        }
        ConnectionLimit all = shared.all;
        if (!all.tryAcquire()) {
            own.release();
            shared.allOverflow.inc();
            long more = shared.allLog.due();
            if (more >= 0) {
                log.warn("{} downstream connections open on all listeners, servers[0].max_connections; closing new ones as they are "
                        + "accepted (this one on listener {}){}", all.max(), listener, Throttle.more(more, "refused"));
            }
            child.unsafe().closeForcibly();
            return;
        }
        child.closeFuture().addListener(f -> {
            own.release();
            all.release();
        });
        ctx.fireChannelRead(child);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // stop reading the server socket for a while, as Netty's own acceptor would, but without its warning per failure
        Channel server = ctx.channel();
        if (server.config().isAutoRead()) {
            server.config().setAutoRead(false);
            server.eventLoop().schedule(() -> {
                server.config().setAutoRead(true);
            }, PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        }
        shared.acceptErrors.inc();
        long more = shared.errorLog.due();
        if (more >= 0) {
            // (nothing here may open a file: there may be no descriptor left to open it with)
            log.warn("listener {}: cannot accept connections: {} (the process may open {} files); accepting again in {} ms, "
                            + "established connections are still served{}", listener, cause.getMessage(), FileDescriptors.limit(),
                    PAUSE_MILLIS, Throttle.more(more, "accept failures"));
        }
    }
}
