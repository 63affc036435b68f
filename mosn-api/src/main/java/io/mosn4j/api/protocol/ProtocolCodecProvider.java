package io.mosn4j.api.protocol;

import java.util.List;

/**
 * For codec frameworks that serve several protocols from one module (the XProtocol framework
 * turns each {@link XProtocol} on the class path into a {@link ProtocolCodec}). Registered under
 * {@code META-INF/services/io.mosn4j.api.protocol.ProtocolCodecProvider}.
 */
public interface ProtocolCodecProvider {
    List<ProtocolCodec> codecs(ClassLoader classLoader);
}
