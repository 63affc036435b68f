package io.mosn4j.api.upstream;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * An upstream host of a cluster. Its identity is its address: a host that survives a cluster
 * update is the same object, keeping its connections, health and statistics. Thread-safe.
 */
public interface HostInfo {

    /** The address as configured ({@code 127.0.0.1:8080}). */
    String address();

    InetSocketAddress socketAddress();

    /** The host's {@code hostname} (the name a route's auto_host_rewrite sends as its Host), or null. */
    default String hostname() {
        return null;
    }

    /** The load-balancing weight, 1 to 128. */
    int weight();

    /** The host's {@code metadata} (MOSN's {@code filter_metadata.mosn.lb}), empty when none. */
    Map<String, String> metadata();

    /** False when a health check or outlier detection took the host out of rotation. */
    boolean healthy();

    HostStats stats();
}
