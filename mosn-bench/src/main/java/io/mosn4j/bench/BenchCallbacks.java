package io.mosn4j.bench;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A stream as a stream filter under benchmark sees it: a finished request's record, the headers a
 * benchmark sets, and nothing else: no route, no variables, no timers. A local reply is kept (the
 * benchmark returns it so that the JIT cannot drop the filter's work); resuming, rerouting and
 * resets do nothing; a chunk a filter hands on in place of the one it was given is released.
 */
class BenchCallbacks implements ReceiverFilterCallbacks, SenderFilterCallbacks {
    RequestInfo info = new AccessLogBench.Request();
    Headers requestHeaders;
    Headers responseHeaders;
    LocalReply reply;

    @Override
    public RequestInfo requestInfo() {
        return info;
    }

    @Override
    public Headers requestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers responseHeaders() {
        return responseHeaders;
    }

    @Override
    public RouteInfo route() {
        return null;
    }

    @Override
    public Variables variables() {
        return null;
    }

    @Override
    public ScheduledExecutorService executor() {
        return null;
    }

    @Override
    public void resume() {}

    @Override
    public void sendLocalReply(LocalReply reply) {
        this.reply = reply;
    }

    @Override
    public void resetStream() {}

    @Override
    public FilterStatus stopUntil(CompletionStage<?> stage) {
        return FilterStatus.STOP;
    }

    @Override
    public FilterStatus runBlocking(Runnable blocking) {
        return FilterStatus.STOP;
    }

    @Override
    public void reroute() {}

    @Override
    public void rechooseHost() {}

    @Override
    public void replaceData(ByteBuf replacement) {
        replacement.release();
    }
}
