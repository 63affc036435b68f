package io.mosn4j.server;

import io.mosn4j.api.network.ListenerFilterFactory;
import io.mosn4j.api.network.NetworkFilterFactory;
import io.mosn4j.api.tls.CertificateProvider;
import io.mosn4j.config.Registry;
import io.mosn4j.feature.FeatureGate;
import io.mosn4j.filter.StreamFilters;
import io.mosn4j.protocol.Codecs;
import io.mosn4j.tls.TlsContexts;
import io.mosn4j.upstream.Balancers;
import io.mosn4j.upstream.ClusterTypes;
import io.mosn4j.variable.VariableRegistry;

/**
 * Every extension on the class path, found once at start with {@link java.util.ServiceLoader}
 * (built-ins register exactly as plugins do) and passed to what needs it: no static registries.
 */
public record Extensions(Codecs codecs, StreamFilters streamFilters, Registry<NetworkFilterFactory> networkFilters,
                         Registry<ListenerFilterFactory> listenerFilters, Balancers balancers, VariableRegistry variables,
                         FeatureGate features, Registry<CertificateProvider> certificateProviders, ClusterTypes clusterTypes) {

    /** With the built-in cluster types only. */
    public Extensions(Codecs codecs, StreamFilters streamFilters, Registry<NetworkFilterFactory> networkFilters,
                      Registry<ListenerFilterFactory> listenerFilters, Balancers balancers, VariableRegistry variables,
                      FeatureGate features, Registry<CertificateProvider> certificateProviders) {
        this(codecs, streamFilters, networkFilters, listenerFilters, balancers, variables, features, certificateProviders,
                ClusterTypes.load(Extensions.class.getClassLoader()));
    }

    public static Extensions load(ClassLoader loader) {
        return new Extensions(
                Codecs.load(loader),
                StreamFilters.load(loader),
                Registry.load("network filter", NetworkFilterFactory.class, loader, NetworkFilterFactory::name, true),
                Registry.load("listener filter", ListenerFilterFactory.class, loader, ListenerFilterFactory::name, false),
                Balancers.load(loader),
                VariableRegistry.load(loader),
                FeatureGate.load(loader),
                TlsContexts.loadProviders(loader),
                ClusterTypes.load(loader));
    }

    /** The same extensions with the features a command line set. */
    public Extensions withFeatures(FeatureGate gate) {
        return new Extensions(codecs, streamFilters, networkFilters, listenerFilters, balancers, variables, gate, certificateProviders,
                clusterTypes);
    }
}
