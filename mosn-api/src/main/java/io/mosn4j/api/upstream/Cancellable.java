package io.mosn4j.api.upstream;

/** Something started that its starter may give up on (a pool acquire waiting for a connection). */
@FunctionalInterface
public interface Cancellable {
    /** Gives up; the callback will not be called afterwards. Idempotent. */
    void cancel();

    /** Nothing to cancel: the result was delivered at once. */
    Cancellable DONE = () -> {};
}
