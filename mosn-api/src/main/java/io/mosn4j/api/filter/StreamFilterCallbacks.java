package io.mosn4j.api.filter;

import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a stream filter can see and do on its stream. Each filter has its own callbacks.
 *
 * <p>Threading: the filter's own calls arrive on the stream's event loop, and everything here is
 * meant for that thread, except {@link #resume()}, {@link #sendLocalReply} and
 * {@link #resetStream()}, which may be called from any thread (they hop to the event loop). Calls
 * after the stream ended are ignored.
 */
public interface StreamFilterCallbacks {

    RequestInfo requestInfo();

    /** The request's headers (changeable until they are sent upstream). */
    Headers requestHeaders();

    /** The response's headers once they arrived (changeable until sent to the client), else null. */
    Headers responseHeaders();

    /** The route the request matched, or null before routing or when none matched. */
    RouteInfo route();

    Variables variables();

    /** The stream's event loop, for timers: anything scheduled here runs on the stream's thread. */
    ScheduledExecutorService executor();

    /**
     * Continues this filter's direction of the stream after it returned {@link FilterStatus#STOP}:
     * with the next filter, then the buffered body and trailers. From any thread.
     */
    void resume();

    /** Answers the request with {@code reply} (see {@link LocalReply}); the stream then ends. From any thread. */
    void sendLocalReply(LocalReply reply);

    /** Aborts the stream both ways (the client sees a reset). From any thread. */
    void resetStream();

    /**
     * Waits for {@code stage} without holding the event loop: returns {@link FilterStatus#STOP};
     * when the stage completes normally the stream resumes, when it fails the client gets a 500
     * (or its protocol's error). A filter that decides to answer instead calls
     * {@link #sendLocalReply} from the stage before it completes.
     */
    FilterStatus stopUntil(CompletionStage<?> stage);

    /**
     * For a filter that rewrites a body (compression, transcoding): during this filter's own data
     * call, the next filter (and then the peer) gets {@code replacement} instead of the chunk the
     * call was given, with the same end-of-stream; during its trailers call, {@code replacement} goes
     * on as a body chunk before the trailers (Envoy's {@code addEncodedData}). The proxy takes
     * ownership of {@code replacement} (and releases the chunk it replaces). Calling it twice in one
     * call keeps the last. Anywhere else it throws {@link IllegalStateException} (after releasing
     * {@code replacement}).
     */
    default void replaceData(ByteBuf replacement) {
        replacement.release();
        throw new UnsupportedOperationException("this proxy cannot replace body chunks");
    }

    /**
     * Runs {@code blocking} (a call into a blocking library) on a virtual thread, never the event
     * loop: returns {@link FilterStatus#STOP}; the stream resumes after it returns, or gets a 500
     * if it throws. The task may call {@link #sendLocalReply}.
     */
    FilterStatus runBlocking(Runnable blocking);
}
