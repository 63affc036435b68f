package io.mosn4j.protocol.xprotocol;

import io.mosn4j.api.Providers;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.ProtocolCodecProvider;
import io.mosn4j.api.protocol.XProtocol;
import java.util.ArrayList;
import java.util.List;

/**
 * Every {@link XProtocol} on the class path ({@code META-INF/services/io.mosn4j.api.protocol.XProtocol}),
 * each as a codec: a jar with one XProtocol class and its services line adds an RPC protocol.
 */
public final class XCodecProvider implements ProtocolCodecProvider {
    @Override
    public List<ProtocolCodec> codecs(ClassLoader classLoader) {
        List<ProtocolCodec> codecs = new ArrayList<>();
        for (XProtocol p : Providers.load(XProtocol.class, classLoader)) {
            codecs.add(new XCodec(p));
        }
        return codecs;
    }
}
