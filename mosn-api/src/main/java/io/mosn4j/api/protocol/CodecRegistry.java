package io.mosn4j.api.protocol;

import java.util.Collection;

/** The protocols this process speaks, by name. Built once at start, immutable. */
public interface CodecRegistry {
    /** The codec named {@code name} (any case), or null. */
    ProtocolCodec get(String name);

    /** Every codec, in {@link ProtocolCodec#detectionOrder()}. */
    Collection<ProtocolCodec> all();
}
