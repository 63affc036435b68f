package io.mosn4j.proxy;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ResetReason;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What the proxy must know of gRPC to answer gRPC clients in their own terms: its local replies
 * are trailers-only responses carrying a {@code grpc-status} (a gRPC client reads a bare HTTP 502
 * as an opaque failure), and a request's {@code grpc-timeout} bounds how long the proxy waits.
 */
final class Grpc {
    static final int DEADLINE_EXCEEDED = 4;
    static final int UNKNOWN = 2;

    private Grpc() {}

    static boolean isGrpc(Headers request) {
        String type = request.get("content-type");
        return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
                && (type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';');
    }

    /**
     * The gRPC status for a local reply, as gRPC's own HTTP-to-gRPC mapping has it, except that a
     * timeout is the caller's deadline passing.
     */
    static int statusFor(int httpStatus, ResetReason reason) {
        if (reason == ResetReason.TIMEOUT) {
            return DEADLINE_EXCEEDED;
        }
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
    static Headers trailersOnly(int grpcStatus, String message) {
        Headers h = Headers.response(200);
        h.add("content-type", "application/grpc");
        h.add("grpc-status", Integer.toString(grpcStatus));
        // the spec's percent-encoding: URL-encoding with spaces as %20 is a superset of it
        h.add("grpc-message", URLEncoder.encode(message, StandardCharsets.UTF_8).replace("+", "%20"));
        return h;
    }

    /**
     * Parses a {@code grpc-timeout} value (1 to 8 digits and a unit: H M S m u n), or returns null
     * when it is absent or malformed (gRPC says to ignore a malformed one).
     */
    static Duration timeout(String value) {
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
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> Duration.ofHours(n);
            case 'M' -> Duration.ofMinutes(n);
            case 'S' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMillis(n);
            case 'u' -> Duration.ofNanos(n * 1000);
            case 'n' -> Duration.ofNanos(n);
            default -> null;
        };
    }
}
