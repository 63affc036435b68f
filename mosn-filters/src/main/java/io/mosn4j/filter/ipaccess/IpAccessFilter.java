package io.mosn4j.filter.ipaccess;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's address check, before routing: the client is the configured header's first
 * comma-separated item when the request has the header, else the connection's peer; a refusal is
 * a 403 (RPC protocols: their permission-denied error).
 */
final class IpAccessFilter implements StreamReceiverFilter {
    private static final Logger log = LoggerFactory.getLogger(IpAccessFilter.class);

    private final IpAccessConfig config;
    private final RefusalLog refusals;
    private ReceiverFilterCallbacks callbacks;

    IpAccessFilter(IpAccessConfig config, RefusalLog refusals) {
        this.config = config;
        this.refusals = refusals;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        InetAddress client;
        String fromHeader = config.header() == null ? null : firstItem(headers.get(config.header()));
        if (fromHeader != null) {
            client = parse(fromHeader);
        } else {
            SocketAddress peer = callbacks.requestInfo().downstreamRemoteAddress();
            client = peer instanceof InetSocketAddress isa ? isa.getAddress() : null;
        }
        if (config.allows(client)) {
            return FilterStatus.CONTINUE;
        }
        refusals.refused(client, fromHeader, System.nanoTime());
        callbacks.sendLocalReply(LocalReply.error(403, "ip access denied"));
        return FilterStatus.STOP;
    }

    /** The first comma-separated item of an X-Forwarded-For style value, or null when there is none. */
    static String firstItem(String value) {
        if (value == null) {
            return null;
        }
        int comma = value.indexOf(',');
        String first = (comma < 0 ? value : value.substring(0, comma)).trim();
        return first.isEmpty() ? null : first;
    }

    /** An IP literal ({@code [::1]} too), or null when it is none: no name lookups. */
    static InetAddress parse(String text) {
        String s = text.length() > 1 && text.charAt(0) == '[' && text.charAt(text.length() - 1) == ']'
                ? text.substring(1, text.length() - 1) : text;
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            log.debug("ip_access: \"{}\" is not an IP address; no entry holds it", text);
            return null;
        }
    }
}
