package io.mosn4j.it;

import com.alipay.remoting.CustomSerializer;
import com.alipay.remoting.CustomSerializerManager;
import com.alipay.remoting.InvokeContext;
import com.alipay.remoting.config.switches.ProtocolSwitch;
import com.alipay.remoting.exception.DeserializationException;
import com.alipay.remoting.rpc.RequestCommand;
import com.alipay.remoting.rpc.ResponseCommand;
import com.alipay.remoting.rpc.protocol.RpcRequestCommand;
import com.alipay.remoting.serialization.SerializerManager;
import java.util.Map;

/**
 * Gives SOFABolt requests of {@link BoltEcho} a bolt header map, as SOFARPC does (its routing keys
 * such as {@code service} travel there): the client puts a {@code Map<String, String>} into the
 * {@link InvokeContext} under {@link #HEADERS}; on the server the decoded map is handed to the
 * request object. Content is left to SOFABolt's own Hessian2 serializer.
 */
final class BoltHeaderSerializer implements CustomSerializer {
    /** The InvokeContext key holding the header map to send. */
    static final String HEADERS = "mosn4j.it.bolt.headers";

    /**
     * Registers the serializer for {@link BoltEcho} unless a test class before did: SOFABolt's
     * registry is global to the JVM and refuses a second registration.
     */
    static synchronized void register() {
        if (CustomSerializerManager.getCustomSerializer(BoltEcho.class.getName()) == null) {
            CustomSerializerManager.registerCustomSerializer(BoltEcho.class.getName(), new BoltHeaderSerializer());
        }
    }

    @Override
    public <T extends RequestCommand> boolean serializeHeader(T request, InvokeContext invokeContext) {
        Object h = invokeContext == null ? null : invokeContext.get(HEADERS);
        if (h instanceof Map<?, ?> map && !map.isEmpty()) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) map;
            request.setHeader(BoltWire.encodeHeaders(headers));
            return true;
        }
        return false;
    }

    @Override
    public <T extends ResponseCommand> boolean serializeHeader(T response) {
        return false;
    }

    @Override
    public <T extends RequestCommand> boolean deserializeHeader(T request) throws DeserializationException {
        if (request instanceof RpcRequestCommand r && r.getHeader() != null) {
            r.setRequestHeader(BoltWire.decodeHeaders(r.getHeader()));
            return true;
        }
        return false;
    }

    @Override
    public <T extends ResponseCommand> boolean deserializeHeader(T response, InvokeContext invokeContext) {
        return false;
    }

    @Override
    public <T extends RequestCommand> boolean serializeContent(T request, InvokeContext invokeContext) {
        return false;
    }

    @Override
    public <T extends ResponseCommand> boolean serializeContent(T response) {
        return false;
    }

    @Override
    public <T extends RequestCommand> boolean deserializeContent(T request) throws DeserializationException {
        if (!(request instanceof RpcRequestCommand r) || r.getContent() == null) {
            return false;
        }
        try {
            Object o = SerializerManager.getSerializer(r.getSerializer()).deserialize(r.getContent(), r.getRequestClass());
            if (o instanceof BoltEcho echo) {
                if (r.getRequestHeader() instanceof Map<?, ?> m) {
                    @SuppressWarnings("unchecked")
                    Map<String, String> headers = (Map<String, String>) m;
                    echo.headers(headers);
                }
                echo.crcSwitch(r.getProtocolSwitch() != null && r.getProtocolSwitch().isOn(ProtocolSwitch.CRC_SWITCH_INDEX));
            }
            r.setRequestObject(o);
            return true;
        } catch (Exception e) {
            throw new DeserializationException("BoltEcho content: " + e, e);
        }
    }

    @Override
    public <T extends ResponseCommand> boolean deserializeContent(T response, InvokeContext invokeContext) {
        return false;
    }
}
