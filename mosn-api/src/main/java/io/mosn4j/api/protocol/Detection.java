package io.mosn4j.api.protocol;

/** Whether the first bytes of a connection are one protocol's ({@code "downstream_protocol": "Auto"}). */
public enum Detection {
    /** They are: this protocol's codec takes the connection. */
    YES,
    /** They are not. */
    NO,
    /** Too few bytes to tell yet. */
    NEED_MORE
}
