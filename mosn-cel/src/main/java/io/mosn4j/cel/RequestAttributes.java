package io.mosn4j.cel;

import dev.cel.runtime.CelVariableResolver;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.variable.Variables;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link MosnCel#ATTRIBUTES} of one request, each computed when an expression first asks for
 * it. Response attributes are empty until there is a response; {@code destination.ip} is the
 * upstream host's once one is chosen, before that the address the client connected to. Made per
 * evaluation, on the stream's thread.
 */
public final class RequestAttributes implements CelVariableResolver {
    private final Headers request;
    private final Headers response;
    private final RequestInfo info;
    private final Variables variables;

    /** Any of them may be null (no response yet, a test without variables). */
    public RequestAttributes(Headers request, Headers response, RequestInfo info, Variables variables) {
        this.request = request;
        this.response = response;
        this.info = info;
        this.variables = variables;
    }

    @Override
    public Optional<Object> find(String name) {
        Object v = switch (name) {
            case "request.headers" -> headerMap(request);
            case "request.host" -> header(request, Headers.AUTHORITY);
            case "request.method" -> header(request, Headers.METHOD);
            case "request.path" -> header(request, Headers.PATH);
            case "request.url_path" -> {
                String p = header(request, Headers.PATH);
                int q = p.indexOf('?');
                yield q < 0 ? p : p.substring(0, q);
            }
            case "request.query_params" -> queryMap();
            case "request.scheme" -> header(request, Headers.SCHEME);
            case "request.useragent" -> header(request, "user-agent");
            case "request.referer" -> header(request, "referer");
            case "request.id" -> header(request, "x-request-id");
            case "response.headers" -> headerMap(response);
            case "response.code" -> response == null ? 0L : (long) response.status();
            case "context.protocol" -> info == null || info.protocol() == null ? "" : info.protocol();
            case "source.ip", "origin.ip" -> ip(info == null ? null : info.downstreamRemoteAddress());
            case "destination.ip" -> {
                HostInfo host = info == null ? null : info.upstreamHost();
                yield host != null ? ip(host.socketAddress()) : ip(info == null ? null : info.downstreamLocalAddress());
            }
            case "destination.port" -> info != null && info.downstreamLocalAddress() instanceof InetSocketAddress a ? (long) a.getPort() : 0L;
            case "variables" -> new VariableMap(variables, info);
            default -> null;
        };
        return Optional.ofNullable(v);
    }

    private static String ip(SocketAddress address) {
        return address instanceof InetSocketAddress a && a.getAddress() != null ? a.getAddress().getHostAddress() : "";
    }

    private static String header(Headers headers, String name) {
        String v = headers == null ? null : headers.get(name);
        return v == null ? "" : v;
    }

    private static Map<String, String> headerMap(Headers headers) {
        return headers == null ? Map.of() : new HeaderView(headers);
    }

    private Map<String, String> queryMap() {
        Map<String, String> m = new HashMap<>();
        String p = header(request, Headers.PATH);
        int q = p.indexOf('?');
        if (q >= 0) {
            for (String pair : p.substring(q + 1).split("&")) {
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    m.putIfAbsent(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
                }
            }
        }
        return m;
    }

    /**
     * {@code request.headers} / {@code response.headers}: a view that looks a name up when asked (any
     * case, the first value; pseudo-headers such as {@code :path} are not in it), so that an
     * expression reading one header does not copy them all. Listed (iterated) lower-cased.
     */
    private static final class HeaderView extends AbstractMap<String, String> {
        private final Headers headers;

        HeaderView(Headers headers) {
            this.headers = headers;
        }

        @Override
        public String get(Object key) {
            return key instanceof String name && !name.startsWith(":") ? headers.get(name) : null;
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            Map<String, String> m = new HashMap<>();
            for (int i = 0; i < headers.size(); i++) {
                String n = headers.name(i);
                if (!n.startsWith(":")) {
                    m.putIfAbsent(n.toLowerCase(Locale.ROOT), headers.value(i));
                }
            }
            return m.entrySet();
        }
    }

    /** {@code variables["name"]}: any variable of the process, read when asked; absent when unknown or unset. */
    private static final class VariableMap extends AbstractMap<String, String> {
        private final Variables variables;
        private final RequestInfo request;

        VariableMap(Variables variables, RequestInfo request) {
            this.variables = variables;
            this.request = request;
        }

        @Override
        public String get(Object key) {
            if (!(key instanceof String name) || variables == null || request == null) {
                return null;
            }
            Variables.Bound b = variables.resolve(name);
            return b == null ? null : b.get(request);
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return Set.of(); // variables cannot be listed: prefix variables stand for any suffix
        }
    }
}
