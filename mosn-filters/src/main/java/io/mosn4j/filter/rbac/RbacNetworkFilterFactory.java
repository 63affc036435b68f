package io.mosn4j.filter.rbac;

import static io.mosn4j.filter.ProtoJson.checkKeys;
import static io.mosn4j.filter.ProtoJson.field;
import static io.mosn4j.filter.ProtoJson.text;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.ListenerContext;
import io.mosn4j.api.network.NetworkFilter;
import io.mosn4j.api.network.NetworkFilterFactory;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.network.DownstreamTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's network RBAC ({@code envoy.filters.network.rbac}) as a network filter {@code rbac} in a
 * filter chain, before the {@code proxy} or {@code tcp_proxy}: a connection no policy lets through
 * (by the peer's and the local address and port, and the verified client certificate of a TLS
 * connection) is closed as it is accepted, or, when a principal is {@code authenticated}, as its
 * TLS handshake completes; shadow rules only count. Config: {@code {"stat_prefix", "rules", "shadow_rules"}} as the HTTP filter's, without
 * header or path rules. Counters {@code STAT_PREFIX.rbac.allowed}, {@code .denied},
 * {@code .shadow_allowed}, {@code .shadow_denied}.
 */
public final class RbacNetworkFilterFactory implements NetworkFilterFactory {
    private static final Logger log = LoggerFactory.getLogger(RbacNetworkFilterFactory.class);

    @Override
    public String name() {
        return "rbac";
    }

    @Override
    public NetworkFilter create(ConfigValue c, ListenerContext listener) {
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"stat_prefix\", \"rules\", \"shadow_rules\"}");
        }
        checkKeys(c, "the network rbac filter", Set.of("statPrefix", "rules", "shadowRules", "enforcementType", "shadowRulesStatPrefix"),
                Set.of("matcher", "shadowMatcher"));
        String enforcement = text(c, "enforcementType");
        if (enforcement != null && !enforcement.toUpperCase(Locale.ROOT).equals("ONE_TIME_ON_FIRST_BYTE")) {
            throw c.error("enforcement_type", "only ONE_TIME_ON_FIRST_BYTE (a connection is checked once) is supported");
        }
        ConfigValue r = field(c, "rules");
        ConfigValue s = field(c, "shadowRules");
        RbacRules rules = r.isMissing() ? null : RbacRules.parse(r, true);
        RbacRules shadow = s.isMissing() ? null : RbacRules.parse(s, true);
        String prefix = text(c, "statPrefix");
        String base = (prefix == null || prefix.isEmpty() ? "tcp." + listener.listenerName() + "." : prefix.endsWith(".") ? prefix : prefix + ".") + "rbac.";
        String sp = text(c, "shadowRulesStatPrefix");
        Stats stats = listener.stats();
        Counter allowed = stats.counter(base + "allowed");
        Counter denied = stats.counter(base + "denied");
        Counter shadowAllowed = stats.counter(base + (sp == null ? "" : sp) + "shadow_allowed");
        Counter shadowDenied = stats.counter(base + (sp == null ? "" : sp) + "shadow_denied");
        String where = listener.listenerName();
        boolean needsPeer = (rules != null && rules.needsPeerCertificate()) || (shadow != null && shadow.needsPeerCertificate());
        Predicate<Channel> check = channel -> {
            RequestView v = new RequestView(null, channel.remoteAddress(), channel.localAddress(), DownstreamTls.of(channel));
            if (shadow != null) {
                (shadow.allows(shadow.matching(v)) ? shadowAllowed : shadowDenied).inc();
            }
            if (rules == null || rules.action() == RbacRules.Action.LOG || rules.allows(rules.matching(v))) {
                allowed.inc();
                return true;
            }
            denied.inc();
            log.debug("rbac on listener {}: closed the connection from {}", where, channel.remoteAddress());
            return false;
        };
        return new NetworkFilter() {
            @Override
            public void install(Channel channel) {
                DownstreamTls tls = DownstreamTls.of(channel);
                if (needsPeer && tls != null && !tls.handshakeDone()) {
                    channel.pipeline().addLast(new AfterHandshake(check, tls)); // the client's certificate is not known yet
                } else if (!check.test(channel)) {
                    channel.close();
                }
            }

            @Override
            public String toString() {
                return "rbac";
            }
        };
    }

    /**
     * Holds a TLS connection's decision until its handshake is done (on the engine's completion
     * event, or at the latest on the first decrypted bytes): an {@code authenticated} principal
     * needs the client's certificate. A refused connection is closed and nothing it sent goes on.
     */
    private static final class AfterHandshake extends ChannelInboundHandlerAdapter {
        /** The decision on the connection; counts it. */
        private final Predicate<Channel> check;
        private final DownstreamTls tls;
        private boolean refused;

        AfterHandshake(Predicate<Channel> check, DownstreamTls tls) {
            this.check = check;
            this.tls = tls;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!refused && tls.handshakeDone() && decide(ctx)) {
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused || decide(ctx)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.fireChannelRead(msg);
        }

        /** Decides once; true when the connection was refused (and closed). */
        private boolean decide(ChannelHandlerContext ctx) {
            if (check.test(ctx.channel())) {
                ctx.pipeline().remove(this);
                return false;
            }
            refused = true;
            ctx.close();
            return true;
        }
    }
}
