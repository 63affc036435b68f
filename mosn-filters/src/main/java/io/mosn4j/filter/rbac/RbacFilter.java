package io.mosn4j.filter.rbac;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.RequestInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's access check, before routing: the shadow rules are evaluated and counted only;
 * the rules decide, and a refusal is a 403 {@code RBAC: access denied} (RPC protocols: their
 * permission-denied error).
 */
final class RbacFilter implements StreamReceiverFilter {
    private static final Logger log = LoggerFactory.getLogger(RbacFilter.class);

    /** Envoy's counters of one configured filter. */
    record Counters(Counter allowed, Counter denied, Counter shadowAllowed, Counter shadowDenied, Counter logged, Counter notLogged) {}

    private final RbacConfig config;
    private final Counters counters;
    private ReceiverFilterCallbacks callbacks;

    RbacFilter(RbacConfig config, Counters counters) {
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        RequestInfo info = callbacks.requestInfo();
        RequestView r = new RequestView(headers, info.downstreamRemoteAddress(), info.downstreamLocalAddress(), info.downstreamTls());
        RbacRules shadow = config.shadow();
        if (shadow != null) {
            String matched = shadow.matching(r);
            boolean allowed = shadow.allows(matched);
            (allowed ? counters.shadowAllowed : counters.shadowDenied).inc();
            if (log.isDebugEnabled()) {
                log.debug("rbac shadow rules: {} {} (policy {})", allowed ? "allowed" : "denied", headers.path(), matched);
            }
        }
        RbacRules rules = config.rules();
        if (rules == null) {
            return FilterStatus.CONTINUE;
        }
        String matched = rules.matching(r);
        if (rules.action() == RbacRules.Action.LOG) {
            (matched != null ? counters.logged : counters.notLogged).inc();
            if (matched != null) {
                log.info("rbac: {} {} from {} matched policy {}", headers.method(), headers.path(),
                        callbacks.requestInfo().downstreamRemoteAddress(), matched);
            }
            return FilterStatus.CONTINUE;
        }
        if (rules.allows(matched)) {
            counters.allowed.inc();
            return FilterStatus.CONTINUE;
        }
        counters.denied.inc();
        log.debug("rbac: denied {} (policy {})", headers.path(), matched);
        callbacks.sendLocalReply(LocalReply.error(403, "RBAC: access denied"));
        return FilterStatus.STOP;
    }
}
