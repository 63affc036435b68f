package io.mosn4j.protocol.bolt;

import io.mosn4j.api.stream.ProxyError;

/**
 * Bolt response statuses (the 2-byte respStatus field), with SOFABolt's numbers. Note the jump
 * after 9: SOFABolt writes its last three as hex-looking 0x10, 0x11, 0x12, which are 16, 17, 18.
 * SOFABolt's decoder refuses any other value, so a proxy must answer only with these.
 */
public final class BoltStatus {
    /** The HTTP status a bolt response status counts as in metrics and outlier detection, as in MOSN. */
    static int httpStatus(int status) {
        return switch (status) {
            case SUCCESS -> 200;
            case SERVER_THREADPOOL_BUSY -> 503;
            case TIMEOUT -> 504;
            case CONNECTION_CLOSED -> 502;
            default -> 500;
        };
    }

    public static final int SUCCESS = 0x0000;
    public static final int ERROR = 0x0001;
    public static final int SERVER_EXCEPTION = 0x0002;
    public static final int UNKNOWN = 0x0003;
    public static final int SERVER_THREADPOOL_BUSY = 0x0004;
    public static final int ERROR_COMM = 0x0005;
    public static final int NO_PROCESSOR = 0x0006;
    public static final int TIMEOUT = 0x0007;
    public static final int CLIENT_SEND_ERROR = 0x0008;
    public static final int CODEC_EXCEPTION = 0x0009;
    public static final int CONNECTION_CLOSED = 0x0010;
    public static final int SERVER_SERIAL_EXCEPTION = 0x0011;
    public static final int SERVER_DESERIAL_EXCEPTION = 0x0012;

    private BoltStatus() {}

    /**
     * MOSN's mapping of a proxy outcome to a bolt status. Bolt has no "permission denied", so a
     * refused request reads as a server exception, as in MOSN.
     */
    public static int of(ProxyError error) {
        return switch (error) {
            case NO_ROUTE, NO_HEALTHY_UPSTREAM -> NO_PROCESSOR;
            case OVERFLOW -> SERVER_THREADPOOL_BUSY;
            case CODEC -> CODEC_EXCEPTION;
            case DESERIALIZATION -> SERVER_DESERIAL_EXCEPTION;
            case TIMEOUT -> TIMEOUT;
            case PERMISSION_DENIED -> SERVER_EXCEPTION;
            case PAYLOAD_TOO_LARGE, UNKNOWN -> UNKNOWN;
        };
    }
}
