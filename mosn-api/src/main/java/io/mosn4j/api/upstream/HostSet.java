package io.mosn4j.api.upstream;

import java.util.List;

/**
 * The hosts of a cluster at one moment: an immutable snapshot. A cluster update builds a new set
 * (keeping the host objects of addresses that stay), and load balancers are rebuilt from it.
 */
public interface HostSet {
    List<HostInfo> hosts();

    /** The hosts that are {@linkplain HostInfo#healthy() healthy}, in the same order. */
    List<HostInfo> healthyHosts();
}
