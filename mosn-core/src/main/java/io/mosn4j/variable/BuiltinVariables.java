package io.mosn4j.variable;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.stream.StreamMessage;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.variable.LineBuffer;
import io.mosn4j.api.variable.Variable;
import io.mosn4j.api.variable.VariableProvider;
import io.mosn4j.config.GoDuration;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * MOSN's variables over the request record and headers, by MOSN's names: what access logs print
 * ({@code %start_time%}, {@code %upstream_host%}, {@code %request_header_x-foo%}) and what the router
 * and filters may read. Values are null when the request has none (access logs print "-").
 * Numbers, durations, times and addresses are appended to the line without strings of their own.
 */
public final class BuiltinVariables implements VariableProvider {
    private static final ResponseFlag[] FLAGS = ResponseFlag.values();
    private static final byte[][] FLAG_NAMES = new byte[FLAGS.length][];

    static {
        for (ResponseFlag f : FLAGS) {
            FLAG_NAMES[f.ordinal()] = f.shortName().getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public Collection<Variable> variables() {
        List<Variable> v = new ArrayList<>();
        for (Field f : Field.values()) {
            v.add(Variable.appending(f.variable, f));
        }
        v.addAll(List.of(
                // the SNI of a TLS connection the listener terminated; plaintext has none
                Variable.of("requested_server_name", (r, s) -> r.requestedServerName()),
                Variable.of("route_name", (r, s) -> r.routeName()),
                Variable.of("listener_name", (r, s) -> r.listenerName()),
                Variable.of("x-mosn-host", (r, s) -> request(r, Headers.AUTHORITY)),
                Variable.of("x-mosn-method", (r, s) -> request(r, Headers.METHOD)),
                Variable.of("x-mosn-path", (r, s) -> path(request(r, Headers.PATH))),
                Variable.of("x-mosn-querystring", (r, s) -> query(request(r, Headers.PATH))),
                Variable.of("x-mosn-rpc-service", (r, s) -> rpc(r, XFrame::serviceName)),
                Variable.of("x-mosn-rpc-method", (r, s) -> rpc(r, XFrame::methodName)),
                Variable.prefix("request_header_", (r, s) -> request(r, s)),
                Variable.prefix("response_header_", (r, s) -> {
                    Headers h = r.responseHeaders();
                    return h == null ? null : h.get(s);
                })));
        // MOSN's HTTP protocol variables, named after the protocol: empty when the request came in another
        for (String p : List.of("Http1", "Http2")) {
            v.add(Variable.of(p + "_request_scheme", (r, s) -> http(r, p) ? scheme(r) : null));
            v.add(Variable.of(p + "_request_method", (r, s) -> http(r, p) ? request(r, Headers.METHOD) : null));
            v.add(Variable.of(p + "_request_uri", (r, s) -> http(r, p) ? request(r, Headers.PATH) : null));
            v.add(Variable.of(p + "_request_path", (r, s) -> http(r, p) ? path(request(r, Headers.PATH)) : null));
            v.add(Variable.of(p + "_request_path_original", (r, s) -> http(r, p) ? path(request(r, Headers.PATH)) : null));
            v.add(Variable.of(p + "_request_arg", (r, s) -> http(r, p) ? query(request(r, Headers.PATH)) : null));
            v.add(Variable.of(p + "_request_length", (r, s) -> http(r, p) ? request(r, "content-length") : null));
            v.add(Variable.prefix(p + "_request_header_", (r, s) -> http(r, p) ? request(r, s) : null));
            v.add(Variable.prefix(p + "_request_arg_", (r, s) -> http(r, p) ? arg(query(request(r, Headers.PATH)), s) : null));
            v.add(Variable.prefix(p + "_cookie_", (r, s) -> http(r, p) ? cookie(request(r, "cookie"), s) : null));
        }
        return v;
    }

    /**
     * The variables over the request record, one enum for all: an access log line calls each
     * through the same class, so the call stays monomorphic and compiles to one switch, where a
     * class per variable (a lambda each) made every value a megamorphic interface call (~a quarter
     * of a line's cost on the proxy's loop).
     */
    private enum Field implements Variable.Appender {
        START_TIME("start_time"),
        REQUEST_RECEIVED_DURATION("request_received_duration"),
        RESPONSE_RECEIVED_DURATION("response_received_duration"),
        REQUEST_FINISHED_DURATION("request_finished_duration"),
        DURATION("duration"),
        PROCESS_TIME_DURATION("process_time_duration"),
        BYTES_SENT("bytes_sent"),
        BYTES_RECEIVED("bytes_received"),
        PROTOCOL("protocol"),
        DOWNSTREAM_PROTOCOL("downstream_protocol"),
        UPSTREAM_PROTOCOL("upstream_protocol"),
        RESPONSE_CODE("response_code"),
        RESPONSE_FLAG("response_flag"),
        RESPONSE_FLAGS("response_flags"),
        UPSTREAM_LOCAL_ADDRESS("upstream_local_address"),
        DOWNSTREAM_LOCAL_ADDRESS("downstream_local_address"),
        DOWNSTREAM_REMOTE_ADDRESS("downstream_remote_address"),
        UPSTREAM_HOST("upstream_host"),
        UPSTREAM_CLUSTER("upstream_cluster"),
        CONNECTION_ID("connection_id"),
        UPSTREAM_CONNECTION_ID("upstream_connection_id"),
        TRACE_ID("trace_id"),
        X_MOSN_STATUS("x-mosn-status"),
        RPC_REQUEST_ID("rpc_request_id");

        final String variable;

        Field(String variable) {
            this.variable = variable;
        }

        @Override
        public boolean append(RequestInfo r, String s, LineBuffer out) {
            return switch (this) {
                case START_TIME -> {
                    Texts.get().appendTime(out, r.startTimeMillis());
                    yield true;
                }
                case REQUEST_RECEIVED_DURATION -> duration(r.requestReceivedNanos(), out);
                case RESPONSE_RECEIVED_DURATION -> duration(r.responseReceivedNanos(), out);
                case REQUEST_FINISHED_DURATION, DURATION -> duration(r.requestFinishedNanos(), out);
                case PROCESS_TIME_DURATION -> duration(processTime(r), out);
                case BYTES_SENT -> number(r.bytesSent(), out);
                case BYTES_RECEIVED -> number(r.bytesReceived(), out);
                case PROTOCOL, DOWNSTREAM_PROTOCOL -> text(r.protocol(), out);
                case UPSTREAM_PROTOCOL -> text(r.upstreamProtocol(), out);
                case RESPONSE_CODE -> responseCode(r, out);
                case RESPONSE_FLAG, RESPONSE_FLAGS -> flags(r, out);
                case UPSTREAM_LOCAL_ADDRESS -> address(r.upstreamLocalAddress(), out);
                case DOWNSTREAM_LOCAL_ADDRESS -> address(r.downstreamLocalAddress(), out);
                case DOWNSTREAM_REMOTE_ADDRESS -> address(r.downstreamRemoteAddress(), out);
                case UPSTREAM_HOST -> {
                    HostInfo h = r.upstreamHost();
                    yield h != null && text(h.address(), out);
                }
                case UPSTREAM_CLUSTER -> text(r.clusterName(), out);
                case CONNECTION_ID -> number(r.connectionId(), out);
                case UPSTREAM_CONNECTION_ID -> r.upstreamConnectionId() >= 0 && number(r.upstreamConnectionId(), out);
                case TRACE_ID -> text(traceId(r), out);
                case X_MOSN_STATUS -> r.rpcStatus() >= 0 ? number(r.rpcStatus(), out) : r.responseCode() > 0 && number(r.responseCode(), out);
                case RPC_REQUEST_ID -> r.rpcRequestId() >= 0 && number(r.rpcRequestId(), out);
            };
        }
    }

    private static boolean duration(long nanos, LineBuffer out) {
        if (nanos < 0) {
            return false;
        }
        GoDuration.appendTo(out, nanos);
        return true;
    }

    /**
     * MOSN's time the proxy itself spent on the request: from its start until it was received whole,
     * plus from the response's arrival until it was sent (the upstream's time left out); without a
     * response, the first part alone. -1 before the request was received.
     */
    private static long processTime(RequestInfo r) {
        long received = r.requestReceivedNanos();
        if (received < 0) {
            return -1;
        }
        long responded = r.responseReceivedNanos();
        long finished = r.requestFinishedNanos();
        return responded > 0 && finished >= responded ? received + (finished - responded) : received;
    }

    /** Appends {@code v} unless it is null. */
    private static boolean text(String v, LineBuffer out) {
        if (v == null) {
            return false;
        }
        out.append(v);
        return true;
    }

    private static boolean number(long n, LineBuffer out) {
        out.append(n);
        return true;
    }

    /** The HTTP status; for an RPC response from the upstream, its protocol's status (bolt 0 = success), as MOSN prints it. */
    private static boolean responseCode(RequestInfo r, LineBuffer out) {
        if (r.rpcStatus() >= 0) {
            out.append(r.rpcStatus());
            return true;
        }
        if (r.responseCode() <= 0) {
            return false;
        }
        out.append(r.responseCode());
        return true;
    }

    private static boolean flags(RequestInfo r, LineBuffer out) {
        int bits = r.responseFlags();
        if (bits == 0) {
            return false;
        }
        boolean first = true;
        for (ResponseFlag f : FLAGS) {
            if ((bits & f.bit()) != 0) {
                if (!first) {
                    out.append(',');
                }
                out.append(FLAG_NAMES[f.ordinal()]);
                first = false;
            }
        }
        return true;
    }

    private static boolean address(SocketAddress a, LineBuffer out) {
        if (a == null) {
            return false;
        }
        out.append(Texts.get().address(a));
        return true;
    }

    private static String request(RequestInfo r, String name) {
        Headers h = r.requestHeaders();
        return h == null ? null : h.get(name);
    }

    private static String rpc(RequestInfo r, Function<XFrame, String> read) {
        Headers h = r.requestHeaders();
        StreamMessage m = h == null ? null : h.message();
        if (m instanceof XFrame f && f.isRequest()) {
            try {
                return read.apply(f);
            } catch (RuntimeException e) {
                return null; // a header block that does not decode, or a frame already let go of
            }
        }
        return null;
    }

    /**
     * The request's trace id: what a filter stored as {@code trace_id}, else the caller's own from
     * its tracing headers (Zipkin B3, W3C {@code traceparent}, SOFATracer's in bolt). mosn4j starts no
     * traces of its own yet, so a request without these has none.
     */
    private static String traceId(RequestInfo r) {
        if (r.attribute("trace_id") instanceof String s) {
            return s;
        }
        Headers h = r.requestHeaders();
        if (h == null) {
            return null;
        }
        if (h.message() instanceof XFrame) {
            if (rpc(r, f -> f.headers().get("rpc_trace_context.sofaTraceId")) instanceof String s) {
                return s;
            }
            return rpc(r, f -> f.headers().get("sofa_trace_id"));
        }
        String b3 = h.get("x-b3-traceid");
        if (b3 != null) {
            return b3;
        }
        String tp = h.get("traceparent"); // version-traceid-parentid-flags
        if (tp != null && tp.length() >= 35 && tp.charAt(2) == '-') {
            return tp.substring(3, 35);
        }
        return null;
    }

    private static boolean http(RequestInfo r, String protocol) {
        return protocol.equals(r.protocol());
    }

    private static String scheme(RequestInfo r) {
        String s = request(r, Headers.SCHEME);
        return s != null ? s : "http";
    }

    private static String path(String p) {
        if (p == null) {
            return null;
        }
        int q = p.indexOf('?');
        return q < 0 ? p : p.substring(0, q);
    }

    private static String query(String p) {
        if (p == null) {
            return null;
        }
        int q = p.indexOf('?');
        return q < 0 ? null : p.substring(q + 1);
    }

    private static String arg(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if ((eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                return eq < 0 ? "" : pair.substring(eq + 1);
            }
        }
        return null;
    }

    private static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        for (String c : header.split(";")) {
            String t = c.trim();
            int eq = t.indexOf('=');
            if (eq > 0 && t.substring(0, eq).equals(name)) {
                return t.substring(eq + 1);
            }
        }
        return null;
    }
}
