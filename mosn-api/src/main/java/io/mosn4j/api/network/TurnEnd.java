package io.mosn4j.api.network;

/**
 * An event loop's thread that runs work at the end of its loop's I/O, right after the connections
 * that were ready: what {@link TurnFlush} asks for while the loop handles them. Cheaper than a task
 * (no queue shared with other threads to pass, no task machinery: ~4% of a keep-alive HTTP/1.1
 * request's user time went there).
 */
public interface TurnEnd {
    /**
     * Runs {@code work} once the loop has handled the connections ready this turn; false when the
     * loop is not handling them now (a task, a timer, another thread), and nothing was taken.
     * Called on this thread only.
     */
    boolean atTurnEnd(Runnable work);
}
