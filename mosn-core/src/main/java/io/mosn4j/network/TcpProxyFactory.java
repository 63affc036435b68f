package io.mosn4j.network;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.network.NetworkFilterFactory;
import io.mosn4j.config.TcpProxyConfig;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The {@code tcp_proxy} network filter: relays each connection's bytes to a host of the cluster
 * its route picks ({@code cluster}, {@code routes[]}), closing it after {@code idle_timeout}.
 */
public class TcpProxyFactory implements NetworkFilterFactory {
    @Override
    public String name() {
        return "tcp_proxy";
    }

    @Override
    public Class<?> configType() {
        return TcpProxyConfig.class;
    }

    @Override
    public NetworkFilter create(ConfigValue config, ListenerContext listener) {
        TcpProxyConfig c = config.as(TcpProxyConfig.class);
        if (c == null) {
            throw config.error("cluster", "required (or give routes)");
        }
        if (c.cluster() != null && !c.cluster().isBlank()) {
            checkCluster(listener, c.cluster(), config.get("cluster"));
        }
        for (int i = 0; i < c.routes().size(); i++) {
            checkCluster(listener, c.routes().get(i).cluster(), config.get("routes").elements().get(i).get("cluster"));
        }
        TcpProxyHandler.Settings settings = new TcpProxyHandler.Settings(c, listener);
        long idleNanos = c.idleTimeout().toNanos();
        String description = "tcp_proxy" + (c.cluster() == null || c.cluster().isBlank() ? "" : " (cluster " + c.cluster() + ")");
        return new NetworkFilter() {
            @Override
            public void install(io.netty.channel.Channel channel) {
                if (idleNanos > 0) {
                    channel.pipeline().addLast(new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
                }
                channel.pipeline().addLast(new TcpProxyHandler(settings));
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }

    private static void checkCluster(ListenerContext listener, String name, ConfigValue field) {
        if (!listener.clusterManager().contains(name)) {
            throw field.error("", "no cluster named \"" + name + "\" in cluster_manager.clusters");
        }
    }

    /** {@code tcpproxy}: the spelling some MOSN configs use. */
    public static final class Alias extends TcpProxyFactory {
        @Override
        public String name() {
            return "tcpproxy";
        }
    }
}
