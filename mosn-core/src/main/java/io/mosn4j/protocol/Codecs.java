package io.mosn4j.protocol;

import io.mosn4j.api.Providers;
import io.mosn4j.api.protocol.CodecRegistry;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ProtocolCodecProvider;
import io.mosn4j.config.Registry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The protocols on the class path: every {@link ProtocolCodec} registered for ServiceLoader, and
 * every codec a {@link ProtocolCodecProvider} (the XProtocol framework) offers. Names match ignoring
 * case. Built once at start.
 */
public final class Codecs implements CodecRegistry {
    private final Registry<ProtocolCodec> registry;
    private final List<ProtocolCodec> ordered;

    public Codecs(Collection<ProtocolCodec> codecs) {
        this.registry = new Registry<>("protocol", codecs, ProtocolCodec::name, true);
        this.ordered = registry.all().stream().sorted((a, b) -> Integer.compare(a.detectionOrder(), b.detectionOrder())).toList();
    }

    public static Codecs load(ClassLoader loader) {
        List<ProtocolCodec> all = new ArrayList<>();
        all.addAll(Providers.load(ProtocolCodec.class, loader));
        Providers.load(ProtocolCodecProvider.class, loader).forEach(p -> all.addAll(p.codecs(loader)));
        return new Codecs(all);
    }

    @Override
    public ProtocolCodec get(String name) {
        return registry.get(name);
    }

    @Override
    public Collection<ProtocolCodec> all() {
        return ordered;
    }

    /** The names a config may use, for error messages. */
    public String names() {
        return registry.names();
    }
}
