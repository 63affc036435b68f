package io.mosn4j.api.network;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Executor;

/**
 * A connection's flush at the end of its event loop's turn: asked for any number of times while
 * the loop handles the connections that were ready, it runs once after them: at the end of the
 * loop's I/O when the loop's thread offers it ({@link TurnEnd}), else from a task the loop runs after
 * them. The turn's writes then reach their peers together, and a peer woken by the first is already
 * running for the next (a flush per message woke the peer per message: ~10% of a keep-alive HTTP/1.1
 * request's CPU in the kernel's wake-up path). Touched only on the connection's loop.
 */
public final class TurnFlush implements Runnable {
    private final Runnable flush;
    private boolean scheduled;

    /** @param flush what ends the turn's writes: usually the channel's flush */
    public TurnFlush(Runnable flush) {
        this.flush = flush;
    }

    /** Flushes once this turn of {@code loop} (the connection's own event loop) has handled its connections. */
    public void request(Executor loop) {
        if (!scheduled) {
            scheduled = true;
            if (!atTurnEnd(loop)) {
                loop.execute(this);
            }
        }
    }

    /**
     * Whether the loop's own thread took this for the end of its I/O. Only that thread: asked on
     * another (against the contract), the task still runs it on the loop.
     */
    private boolean atTurnEnd(Executor loop) {
        return Thread.currentThread() instanceof TurnEnd t && loop instanceof EventExecutor e && e.inEventLoop() && t.atTurnEnd(this);
    }

    @Override
    public void run() {
        scheduled = false;
        flush.run();
    }
}
