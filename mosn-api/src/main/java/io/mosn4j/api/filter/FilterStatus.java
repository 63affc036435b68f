package io.mosn4j.api.filter;

/** What a stream filter's call decides for the stream. */
public enum FilterStatus {
    /** Pass on to the next filter (and then upstream, or to the client). */
    CONTINUE,
    /**
     * Hold this direction of the stream here: later body chunks and trailers are buffered (the
     * client is paused once the buffer limit is reached), until the filter calls
     * {@code resume()} or answers with a local reply. A body chunk the filter stops on is buffered
     * too and is passed on with what follows.
     */
    STOP
}
