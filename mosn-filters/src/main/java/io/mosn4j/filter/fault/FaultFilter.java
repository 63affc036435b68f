package io.mosn4j.filter.fault;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.ResponseFlag;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request's fault injection, after routing: the route's {@code per_filter_config} (else the
 * listener's config) decides; a delay holds the request on a timer of the stream's own event loop
 * (nothing blocks), and an abort answers it, after the delay when both apply (as MOSN).
 */
final class FaultFilter implements StreamReceiverFilter {
    private final FaultConfig listenerConfig;
    private ReceiverFilterCallbacks callbacks;
    /** The config a running delay was rolled with: the abort after it uses the same. */
    private FaultConfig delayed;
    private ScheduledFuture<?> delayTimer;

    FaultFilter(FaultConfig listenerConfig) {
        this.listenerConfig = listenerConfig;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        RouteInfo route = callbacks.route();
        FaultConfig config = listenerConfig;
        if (route != null && route.perFilterConfig(FaultFilterFactory.NAME) instanceof FaultConfig perRoute) {
            config = perRoute; // replaces the listener's config for this route, as in MOSN
        }
        if (config.injectsNothing()) {
            return FilterStatus.CONTINUE;
        }
        // the request's own cluster: a route with weighted clusters or cluster_header picks it per request
        String cluster = callbacks.requestInfo() != null && callbacks.requestInfo().clusterName() != null
                ? callbacks.requestInfo().clusterName() : route != null ? route.clusterName() : null;
        if (!config.appliesTo(cluster, headers)) {
            return FilterStatus.CONTINUE;
        }
        FaultConfig.Delay delay = config.delay();
        if (delay != null && delay.roll()) {
            callbacks.requestInfo().setResponseFlag(ResponseFlag.DELAY_INJECTED);
            delayed = config;
            delayTimer = callbacks.executor().schedule(this::delayOver, delay.fixedDelay().toNanos(), TimeUnit.NANOSECONDS);
            return FilterStatus.STOP;
        }
        return abort(config) ? FilterStatus.STOP : FilterStatus.CONTINUE;
    }

    /** On the stream's event loop, once the delay passed (never after onDestroy: the timer is cancelled). */
    private void delayOver() {
        delayTimer = null;
        if (!abort(delayed)) {
            callbacks.resume();
        }
    }

    private boolean abort(FaultConfig config) {
        FaultConfig.Abort abort = config.abort();
        if (abort == null || !abort.roll()) {
            return false;
        }
        callbacks.requestInfo().setResponseFlag(ResponseFlag.FAULT_INJECTED);
        callbacks.sendLocalReply(LocalReply.error(abort.status(), "fault filter abort"));
        return true;
    }

    @Override
    public void onDestroy() {
        if (delayTimer != null) {
            delayTimer.cancel(false);
            delayTimer = null;
        }
    }
}
