package io.mosn4j.api.stream;

/**
 * Where a listener's finished requests are written ({@code access_logs} of a listener). Called once
 * per request on the request's event loop when it ends; an implementation formats there and must
 * not block (the line is written by another thread).
 */
@FunctionalInterface
public interface AccessLog {
    /** Writes nothing. */
    AccessLog NONE = request -> {};

    void log(RequestInfo request);
}
