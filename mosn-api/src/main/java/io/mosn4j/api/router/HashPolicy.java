package io.mosn4j.api.router;

/**
 * What a route hashes a request on for consistent-hashing balancers (its {@code hash_policy}):
 * a header's value, a cookie's value, or the client's address.
 */
public sealed interface HashPolicy {
    /** The value of request header {@code name}. */
    record Header(String name) implements HashPolicy {}

    /** The value of the cookie {@code name}. */
    record Cookie(String name) implements HashPolicy {}

    /** The client's IP address (after {@code proxy_protocol}, when the listener has it). */
    record SourceIp() implements HashPolicy {}
}
