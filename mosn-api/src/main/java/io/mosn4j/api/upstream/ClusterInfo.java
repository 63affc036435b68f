package io.mosn4j.api.upstream;

import java.time.Duration;

/** The settings of a cluster that connection pools and filters read. Immutable. */
public interface ClusterInfo {
    String name();

    Duration connectTimeout();

    /** Requests per upstream connection before it is closed ({@code max_request_per_conn}), 0 for no limit. */
    long maxRequestsPerConnection();

    /** The write buffer an upstream connection may hold before it pushes back ({@code conn_buffer_limit_bytes}). */
    int connectionBufferLimit();

    ClusterResources resources();

    /**
     * How long a pooled connection may carry no request before the pool closes it
     * ({@code idle_timeout}); zero: never.
     */
    default Duration idleTimeout() {
        return Duration.ZERO;
    }

    /** How long a quiet connection waits before a protocol heartbeat ({@code keepalive.interval}); zero: the protocol's default. */
    default Duration keepAliveInterval() {
        return Duration.ZERO;
    }

    /** How long a heartbeat may go unanswered before the connection closes ({@code keepalive.timeout}); zero: the protocol's default. */
    default Duration keepAliveTimeout() {
        return Duration.ZERO;
    }

    /**
     * What {@code codec} parsed from this cluster's config at load
     * ({@link io.mosn4j.api.protocol.ProtocolCodec#clientOptions}), or null.
     */
    Object codecOptions(String codec);
}
