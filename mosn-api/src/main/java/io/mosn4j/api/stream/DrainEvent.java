package io.mosn4j.api.stream;

/**
 * Fired down a downstream connection's pipeline when its listener stops (shutdown, or the listener
 * was removed or replaced): codecs stop taking new streams (HTTP/2 GOAWAY, RPC stop reading), let
 * the ones in flight finish and close; an idle connection closes at once.
 */
public final class DrainEvent {
    public static final DrainEvent INSTANCE = new DrainEvent();

    private DrainEvent() {}

    @Override
    public String toString() {
        return "DrainEvent";
    }
}
