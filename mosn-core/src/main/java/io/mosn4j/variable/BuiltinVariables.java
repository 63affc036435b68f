package io.mosn4j.variable;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.variable.Variable;
import io.mosn4j.api.variable.VariableProvider;
import io.mosn4j.config.GoDuration;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;

/**
 * MOSN's variables over the request record and headers, by MOSN's names: what access logs print
 * ({@code %start_time%}, {@code %upstream_host%}, {@code %request_header_x-foo%}) and what the router
 * and filters may read. Values are null when the request has none (access logs print "-").
 */
public final class BuiltinVariables implements VariableProvider {
    /** MOSN's access log time format. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Override
    public Collection<Variable> variables() {
        return List.of(
                Variable.of("start_time", (r, s) -> TIME.format(Instant.ofEpochMilli(r.startTimeMillis()))),
                Variable.of("request_received_duration", (r, s) -> duration(r.requestReceivedNanos())),
                Variable.of("response_received_duration", (r, s) -> duration(r.responseReceivedNanos())),
                Variable.of("request_finished_duration", (r, s) -> duration(r.requestFinishedNanos())),
                Variable.of("duration", (r, s) -> duration(r.requestFinishedNanos())),
                Variable.of("bytes_sent", (r, s) -> Long.toString(r.bytesSent())),
                Variable.of("bytes_received", (r, s) -> Long.toString(r.bytesReceived())),
                Variable.of("protocol", (r, s) -> r.protocol()),
                Variable.of("downstream_protocol", (r, s) -> r.protocol()),
                Variable.of("upstream_protocol", (r, s) -> r.upstreamProtocol()),
                Variable.of("response_code", (r, s) -> r.responseCode() == 0 ? null : Integer.toString(r.responseCode())),
                Variable.of("response_flag", (r, s) -> flags(r)),
                Variable.of("response_flags", (r, s) -> flags(r)),
                Variable.of("upstream_local_address", (r, s) -> address(r.upstreamLocalAddress())),
                Variable.of("downstream_local_address", (r, s) -> address(r.downstreamLocalAddress())),
                Variable.of("downstream_remote_address", (r, s) -> address(r.downstreamRemoteAddress())),
                Variable.of("upstream_host", (r, s) -> {
                    HostInfo h = r.upstreamHost();
                    return h == null ? null : h.address();
                }),
                Variable.of("upstream_cluster", (r, s) -> r.clusterName()),
                Variable.of("route_name", (r, s) -> r.routeName()),
                Variable.of("listener_name", (r, s) -> r.listenerName()),
                Variable.of("connection_id", (r, s) -> Long.toString(r.connectionId())),
                Variable.of("x-mosn-host", (r, s) -> request(r, Headers.AUTHORITY)),
                Variable.of("x-mosn-method", (r, s) -> request(r, Headers.METHOD)),
                Variable.of("x-mosn-path", (r, s) -> path(r, false)),
                Variable.of("x-mosn-querystring", (r, s) -> path(r, true)),
                Variable.prefix("request_header_", (r, s) -> request(r, s)),
                Variable.prefix("response_header_", (r, s) -> {
                    Headers h = r.responseHeaders();
                    return h == null ? null : h.get(s);
                }));
    }

    private static String duration(long nanos) {
        return nanos < 0 ? null : GoDuration.format(Duration.ofNanos(nanos));
    }

    private static String flags(RequestInfo r) {
        int bits = r.responseFlags();
        if (bits == 0) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (ResponseFlag f : ResponseFlag.values()) {
            if ((bits & f.bit()) != 0) {
                b.append(b.isEmpty() ? "" : ",").append(f.shortName());
            }
        }
        return b.toString();
    }

    private static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress() == null ? i.getHostString() + ":" + i.getPort() : i.getAddress().getHostAddress() + ":" + i.getPort();
        }
        return a == null ? null : a.toString();
    }

    private static String request(RequestInfo r, String name) {
        Headers h = r.requestHeaders();
        return h == null ? null : h.get(name);
    }

    private static String path(RequestInfo r, boolean query) {
        String p = request(r, Headers.PATH);
        if (p == null) {
            return null;
        }
        int q = p.indexOf('?');
        if (query) {
            return q < 0 ? null : p.substring(q + 1);
        }
        return q < 0 ? p : p.substring(0, q);
    }
}
