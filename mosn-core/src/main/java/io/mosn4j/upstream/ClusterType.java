package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.config.ClusterConfig;
import io.mosn4j.network.Transport;
import io.netty.channel.EventLoop;
import java.util.List;

/**
 * Where a cluster's hosts come from, by the cluster's {@code type} ({@code SIMPLE}: the config's
 * list; {@code STRICT_DNS}: the config's names, resolved and resolved again). Registered for
 * {@link java.util.ServiceLoader} under {@code META-INF/services/io.mosn4j.upstream.ClusterType};
 * xDS's {@code EDS} and transparent interception's {@code ORIGINAL_DST} plug in here.
 */
public interface ClusterType {
    /** The {@code type} value this serves ({@code SIMPLE}); matched exactly. */
    String name();

    /** Other names for the same type ({@code STATIC} for {@code SIMPLE}). */
    default List<String> aliases() {
        return List.of();
    }

    /**
     * Starts finding the hosts of {@code config} (found at {@code raw.path()}), off the event loops.
     * Validates what it reads, throwing {@link io.mosn4j.api.config.ConfigException} naming the
     * field. When {@link Context#active()} is false the config is only being checked: find the
     * hosts that need no network, and start nothing that runs on.
     */
    Discovery start(ClusterConfig config, ConfigValue raw, Context context);

    /** What a cluster type is given. */
    interface Context {
        /** False when the cluster is only checked (a config test): nothing may keep running. */
        boolean active();

        /** An event loop for background I/O (DNS queries, timers); null when not {@link #active()}. */
        EventLoop eventLoop();

        Transport transport();

        /** The hosts changed: here is the whole new list. Any thread; the cluster updates soon after. */
        void hostsChanged(List<HostSpec> hosts);
    }

    /** A running discovery for one version of a cluster's config. */
    interface Discovery {
        /** The hosts known now (may be empty while a first answer is awaited). */
        List<HostSpec> hosts();

        /** Stops: no more {@link Context#hostsChanged} calls. Idempotent. */
        default void close() {}
    }
}
