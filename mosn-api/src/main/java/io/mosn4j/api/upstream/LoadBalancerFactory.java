package io.mosn4j.api.upstream;

import io.mosn4j.api.config.ConfigValue;

/**
 * A load-balancing policy by MOSN's {@code lb_type} name ({@code LB_RANDOM}, {@code LB_ROUNDROBIN},
 * ...), registered for {@link java.util.ServiceLoader} under
 * {@code META-INF/services/io.mosn4j.api.upstream.LoadBalancerFactory}.
 */
public interface LoadBalancerFactory {
    /** The {@code lb_type} value this factory serves. */
    String name();

    /**
     * Checks the cluster's balancer settings once at load ({@code lbconfig}, ...), returning what
     * {@link #create} needs; throw {@link io.mosn4j.api.config.ConfigException} naming the field.
     */
    default Object parse(ConfigValue cluster) {
        return null;
    }

    /** A balancer for one event loop over {@code hosts}; {@code settings} is what {@link #parse} returned. */
    LoadBalancer create(HostSet hosts, Object settings);
}
