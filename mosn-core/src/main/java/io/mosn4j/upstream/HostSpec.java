package io.mosn4j.upstream;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * A host as a cluster type found it: its address (its identity in the cluster), where to connect,
 * its weight and metadata, and the config's {@code hostname} (null: none). A cluster builds a {@link Host} from it, or keeps the one it had for
 * the same address.
 */
public record HostSpec(String address, InetSocketAddress socketAddress, int weight, Map<String, String> metadata, String hostname) {
    public HostSpec {
        metadata = Map.copyOf(metadata);
    }

    public HostSpec(String address, InetSocketAddress socketAddress, int weight, Map<String, String> metadata) {
        this(address, socketAddress, weight, metadata, null);
    }
}
