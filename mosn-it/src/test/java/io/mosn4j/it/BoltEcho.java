package io.mosn4j.it;

import java.io.Serializable;
import java.util.Map;

/**
 * The request {@link BoltProxyTest}'s SOFABolt clients send (Hessian2 on the wire): a tag saying
 * which test sent it, a payload the server echoes, and how long the server waits before answering.
 * {@code headers} is not sent: the server fills it with the bolt header map it received.
 */
public class BoltEcho implements Serializable {
    private static final long serialVersionUID = 1L;

    private String tag;
    private String payload;
    private long delayMillis;
    private transient Map<String, String> headers;
    private transient boolean crcSwitch;

    public BoltEcho() {}

    public BoltEcho(String tag, String payload, long delayMillis) {
        this.tag = tag;
        this.payload = payload;
        this.delayMillis = delayMillis;
    }

    static BoltEcho of(String tag, String payload) {
        return new BoltEcho(tag, payload, 0);
    }

    public String tag() {
        return tag;
    }

    public String payload() {
        return payload;
    }

    public long delayMillis() {
        return delayMillis;
    }

    public Map<String, String> headers() {
        return headers == null ? Map.of() : headers;
    }

    void headers(Map<String, String> h) {
        this.headers = h;
    }

    /** Whether the frame that carried this request to the server had bolt v2's CRC switch on. */
    public boolean crcSwitch() {
        return crcSwitch;
    }

    void crcSwitch(boolean on) {
        this.crcSwitch = on;
    }

    /** What the echo server answers to this request. */
    String expectedReply(String service) {
        return "echo:" + payload + "|service=" + service;
    }

    @Override
    public String toString() {
        return "BoltEcho[" + tag + ", " + payload + ", " + delayMillis + "ms]";
    }
}
