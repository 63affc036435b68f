package io.mosn4j.api.stream;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * An answer the proxy gives itself: an error ({@link #error(ProxyError, String)}: no route, no
 * upstream, timeout, a filter's refusal) or a direct response a route or filter configured
 * ({@link #direct(int, String)}). The proxy core builds it without knowing the protocol; the
 * downstream codec renders it ({@link ServerStream#sendLocalReply}): HTTP as a status and a text
 * body, gRPC as a trailers-only status, RPC protocols as their own error response.
 *
 * @param status the HTTP status
 * @param error what went wrong, for protocols without HTTP statuses; null for a direct response
 * @param body the error message or the direct response's body (never null)
 * @param direct whether {@code body} is sent as it is (a direct response) rather than as an error message
 * @param headers extra response headers, or null
 */
public record LocalReply(int status, ProxyError error, String body, boolean direct, Headers headers) {

    public LocalReply {
        body = body == null ? "" : body;
    }

    /** An error answer with the error's own HTTP status. */
    public static LocalReply error(ProxyError error, String message) {
        return new LocalReply(error.httpStatus(), error, message, false, null);
    }

    /** An error answer with a chosen HTTP status (a filter's 403, a fault's 503). */
    public static LocalReply error(int status, String message) {
        return new LocalReply(status, ProxyError.forHttpStatus(status), message, false, null);
    }

    /** A configured answer: {@code status} with {@code body} as it is. */
    public static LocalReply direct(int status, String body) {
        return new LocalReply(status, status >= 400 ? ProxyError.forHttpStatus(status) : null, body, true, null);
    }

    /** The same reply with one more response header. */
    public LocalReply withHeader(String name, String value) {
        Headers h = headers == null ? new Headers(4) : headers.copy();
        h.add(name, value);
        return new LocalReply(status, error, body, direct, h);
    }

    /** The error RPC protocols render, never null. */
    public ProxyError rpcError() {
        return error != null ? error : status >= 400 ? ProxyError.forHttpStatus(status) : ProxyError.UNKNOWN;
    }

    /**
     * Writes this reply as an HTTP response on {@code sender}: for a gRPC request an error is a
     * trailers-only response carrying its {@code grpc-status}; otherwise the status with a
     * {@code text/plain} body (an error message ends with a newline).
     */
    public void sendAsHttp(StreamSender sender, boolean grpcRequest) {
        if (grpcRequest && !direct) {
            Headers h = Grpc.trailersOnly(error == ProxyError.TIMEOUT ? Grpc.DEADLINE_EXCEEDED : Grpc.statusFor(status), body);
            addExtra(h);
            sender.sendHeaders(h, true);
            return;
        }
        byte[] bytes = (direct ? body : body + "\n").getBytes(StandardCharsets.UTF_8);
        Headers h = Headers.response(status);
        if (bytes.length > 0 && (headers == null || !headers.contains("content-type"))) {
            h.add("content-type", "text/plain; charset=utf-8");
        }
        h.add("content-length", Integer.toString(bytes.length));
        addExtra(h);
        if (bytes.length == 0) {
            sender.sendHeaders(h, true);
        } else {
            sender.sendHeaders(h, false);
            sender.sendData(Unpooled.wrappedBuffer(bytes), true);
        }
    }

    private void addExtra(Headers h) {
        if (headers != null) {
            for (int i = 0; i < headers.size(); i++) {
                h.set(headers.name(i), headers.value(i));
            }
        }
    }
}
