package io.mosn4j.proxy;

import io.mosn4j.api.stream.ServerStreamHandler;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.stream.StreamSender;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

/** The {@code proxy} network filter's side of a downstream connection: one ActiveStream a request. */
public final class ProxyStreamHandler implements ServerStreamHandler {
    private final ProxyContext context;
    private final EventLoop loop;
    private final StreamTimeouts timeouts;

    private ProxyStreamHandler(ProxyContext context, EventLoop loop) {
        this.context = context;
        this.loop = loop;
        this.timeouts = new StreamTimeouts(loop);
    }

    @Override
    public StreamReceiver newStream(StreamSender responseSender) {
        return new ActiveStream(context, responseSender, loop, timeouts);
    }

    /** Makes the handler for each accepted connection of a listener. */
    public record Factory(ProxyContext context) {
        public ServerStreamHandler forChannel(Channel ch) {
            return new ProxyStreamHandler(context, ch.eventLoop());
        }
    }
}
