package io.mosn4j.protocol.dubbo;

/** The status byte of a dubbo response, in Dubbo's numbers ({@code Response} in Dubbo's remoting). */
public final class DubboStatus {
    public static final int OK = 20;
    public static final int SERIALIZATION_ERROR = 25;
    public static final int CLIENT_TIMEOUT = 30;
    public static final int SERVER_TIMEOUT = 31;
    public static final int CHANNEL_INACTIVE = 35;
    public static final int BAD_REQUEST = 40;
    public static final int BAD_RESPONSE = 50;
    public static final int SERVICE_NOT_FOUND = 60;
    public static final int SERVICE_ERROR = 70;
    public static final int SERVER_ERROR = 80;
    public static final int CLIENT_ERROR = 90;
    public static final int SERVER_THREADPOOL_EXHAUSTED_ERROR = 100;

    /** The HTTP status a dubbo response status counts as in metrics and outlier detection. */
    static int httpStatus(int status) {
        return switch (status) {
            case OK -> 200;
            case CLIENT_TIMEOUT, SERVER_TIMEOUT -> 504;
            case SERVER_THREADPOOL_EXHAUSTED_ERROR -> 503;
            default -> 500;
        };
    }

    private DubboStatus() {}
}
