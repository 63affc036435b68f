package io.mosn4j.upstream;

import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.HostSet;
import java.util.List;

/** The hosts of a cluster at one moment, and the healthy ones among them. Immutable. */
record HostSnapshot(List<HostInfo> hosts, List<HostInfo> healthyHosts) implements HostSet {
    static HostSnapshot of(List<Host> hosts) {
        List<HostInfo> all = List.copyOf(hosts);
        return new HostSnapshot(all, all.stream().filter(HostInfo::healthy).toList());
    }
}
