package io.mosn4j.api.filter;

/** What every stream filter has, whichever direction it sees. */
public interface StreamFilter {
    /**
     * The stream ended (completed, answered locally or reset): cancel timers, drop references.
     * Called once per filter object, on the stream's event loop, even for a filter that sees both
     * directions.
     */
    default void onDestroy() {}
}
