package io.mosn4j.api.upstream;

import io.mosn4j.api.protocol.ProtocolCodec;

/**
 * One cluster as one event loop sees it: its current hosts, this loop's load balancer over them
 * and this loop's connection pools to them. Use on that event loop only; look it up again for each
 * new request (an update may have replaced it).
 */
public interface WorkerCluster {
    ClusterInfo info();

    HostSet hostSet();

    /** A host for one request or connection, or null when the cluster has none to offer. */
    HostInfo choose(LoadBalancerContext context);

    /** This loop's pool of {@code codec} connections to {@code host}, made on first use. */
    ConnectionPool pool(HostInfo host, ProtocolCodec codec);

    /** Opens plain connections to {@code host} with the cluster's settings (tcp_proxy). */
    Connector connector(HostInfo host);
}
