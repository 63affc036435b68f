package io.mosn4j.upstream;

import io.mosn4j.api.upstream.LoadBalancerFactory;
import io.mosn4j.config.Registry;

/** The load balancers on the class path, by {@code lb_type}. */
public final class Balancers {
    private final Registry<LoadBalancerFactory> registry;

    public Balancers(Registry<LoadBalancerFactory> registry) {
        this.registry = registry;
    }

    public static Balancers load(ClassLoader loader) {
        return new Balancers(Registry.load("load balancer", LoadBalancerFactory.class, loader, LoadBalancerFactory::name, false));
    }

    public LoadBalancerFactory get(String lbType) {
        return registry.get(lbType);
    }

    /** "A, B, C", for messages. */
    public String list() {
        return registry.names();
    }

    /** "A, B or C", for messages. */
    public String names() {
        String n = registry.names();
        int last = n.lastIndexOf(", ");
        return last < 0 ? n : n.substring(0, last) + " or " + n.substring(last + 2);
    }
}
