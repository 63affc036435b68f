package io.mosn4j.api.stream;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What HTTP codecs must know of gRPC to answer gRPC clients in their own terms: a local reply is a
 * trailers-only response carrying a {@code grpc-status} (a gRPC client reads a bare HTTP 502 as an
 * opaque failure), and a request's {@code grpc-timeout} bounds how long the proxy waits.
 */
public final class Grpc {
    public static final int DEADLINE_EXCEEDED = 4;
    public static final int UNKNOWN = 2;

    private Grpc() {}

    /** Whether {@code request} is a gRPC call: {@code content-type: application/grpc}, {@code +proto}, {@code ;...}. */
    public static boolean isGrpc(Headers request) {
        String type = request.get("content-type");
        return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
                && (type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';');
    }

    /** The caller's deadline of a gRPC request ({@code grpc-timeout}); null for other requests or without one. */
    public static Duration deadline(Headers request) {
        if (!isGrpc(request)) {
            return null;
        }
        Duration d = timeout(request.get("grpc-timeout"));
        return d != null && d.isZero() ? Duration.ofNanos(1) : d;
    }

    /** The gRPC status for an HTTP status, as gRPC's own HTTP-to-gRPC mapping has it. */
    public static int statusFor(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> UNKNOWN;
        };
    }

    /** A trailers-only response: HTTP 200 whose only headers frame carries the status. */
    public static Headers trailersOnly(int grpcStatus, String message) {
        Headers h = Headers.response(200);
        h.add("content-type", "application/grpc");
        h.add("grpc-status", Integer.toString(grpcStatus));
        // the spec's percent-encoding: URL-encoding with spaces as %20 is a superset of it
        h.add("grpc-message", URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20"));
        return h;
    }

    /** The longest wait a {@code grpc-timeout} may ask for; longer values saturate to it. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(365);

    /**
     * Parses a {@code grpc-timeout} value (1 to 8 digits and a unit: H M S m u n), or returns null
     * when it is absent or malformed (gRPC says to ignore a malformed one). Values beyond
     * {@link #MAX_TIMEOUT} (8 digits of hours is valid) saturate instead of overflowing.
     */
    public static Duration timeout(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return null;
        }
        long n = 0;
        for (int i = 0; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            n = n * 10 + (c - '0');
        }
        long nanosPerUnit = switch (value.charAt(value.length() - 1)) {
            case 'H' -> 3_600_000_000_000L;
            case 'M' -> 60_000_000_000L;
            case 'S' -> 1_000_000_000L;
            case 'm' -> 1_000_000L;
            case 'u' -> 1_000L;
            case 'n' -> 1L;
            default -> -1;
        };
        if (nanosPerUnit < 0) {
            return null;
        }
        long max = MAX_TIMEOUT.toNanos();
        return n > max / nanosPerUnit ? MAX_TIMEOUT : Duration.ofNanos(n * nanosPerUnit);
    }
}
