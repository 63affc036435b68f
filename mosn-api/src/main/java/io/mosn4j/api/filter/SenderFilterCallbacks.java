package io.mosn4j.api.filter;

/** The callbacks of a response ({@link StreamSenderFilter}) filter. */
public interface SenderFilterCallbacks extends StreamFilterCallbacks {}
