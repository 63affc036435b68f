package io.mosn4j.protocol.tars;

/**
 * Tars's return codes (iRet), as its BaseF.tars names them; TarsJava's {@code TarsHelper} has the
 * same values without the {@code TARS} prefix ({@code SERVERNOSERVANTERR}, {@code ASYNCCALLTIMEOUT},
 * ...). Codes -10 and below differ between implementations and are left out.
 */
public final class TarsReturnCode {
    public static final int TARSSERVERSUCCESS = 0;
    /** The server could not decode the request. */
    public static final int TARSSERVERDECODEERR = -1;
    public static final int TARSSERVERENCODEERR = -2;
    /** The servant has no such function. */
    public static final int TARSSERVERNOFUNCERR = -3;
    /** No such servant object. */
    public static final int TARSSERVERNOSERVANTERR = -4;
    public static final int TARSSERVERRESETGRID = -5;
    /** The request waited in the server's queue too long. */
    public static final int TARSSERVERQUEUETIMEOUT = -6;
    /** The call timed out (TARSINVOKETIMEOUT has the same value). */
    public static final int TARSASYNCCALLTIMEOUT = -7;
    /** A proxy could not connect to where the call goes. */
    public static final int TARSPROXYCONNECTERR = -8;
    /** The server is overloaded (its queue is full). */
    public static final int TARSSERVEROVERLOAD = -9;
    public static final int TARSSERVERUNKNOWNERR = -99;

    private TarsReturnCode() {}
}
