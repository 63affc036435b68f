package io.mosn4j.proxy;

import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.filter.StreamFilter;
import io.mosn4j.api.filter.StreamFilterChain;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.protocol.Transcoder;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.router.HashPolicy;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.router.Router;
import io.mosn4j.api.stream.AccessLog;
import io.mosn4j.api.stream.ClientConnection;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.MessageDecodeException;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResetReason;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.stream.ServerStream;
import io.mosn4j.api.stream.StreamReceiver;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.upstream.LoadBalancerContext;
import io.mosn4j.api.upstream.ResourceLimit;
import io.mosn4j.api.upstream.WorkerCluster;
import io.mosn4j.api.variable.Variables;
import io.mosn4j.log.Throttle;
import io.mosn4j.api.upstream.Hashing;
import io.mosn4j.router.Route;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through the proxy: its request filters (in MOSN's phases, with routing and host
 * choice between them), one {@link UpstreamRequest} at a time, its response filters, local replies,
 * timeouts and flow control. Protocol-neutral: it sees {@link Headers}, body chunks and trailers,
 * and hands the codec a {@link LocalReply} to render. Lives on one event loop; no locks.
 */
final class DownstreamStream extends StreamTimeouts.Timer implements StreamReceiver, LoadBalancerContext {
    private static final Logger log = LoggerFactory.getLogger(DownstreamStream.class);
    private static final Throttle UPSTREAM_FAILURES = new Throttle(1, TimeUnit.SECONDS);

    final ProxyConnection conn;
    private final ServerStream downstream;
    final StreamInfo info;
    /** The request's and the response's filters; null without stream filters (most listeners): events then go straight to the sinks. */
    private RequestFilters request;
    private ResponseFilters response;
    /** Distinct filter objects, for their one onDestroy. */
    private List<StreamFilter> filters;

    private Headers requestHeaders;
    private RouteInfo route;
    /** The route when it is mosn4j's own (its actions: cluster choice, rewrites, retries, mirrors). */
    private Route routeRule;
    /** The route's weighted cluster drawn for this request, or -1. */
    private int weightedPick = -1;
    private Map<String, String> metadataMatch = Map.of();
    private boolean routed;
    private WorkerCluster cluster;
    private HostInfo host;
    private boolean hostChosen;
    boolean rerouteRequested;
    /** Set by a filter ({@code transcoder}): the request goes upstream in another protocol. */
    private Transcoder transcoder;
    private ProtocolCodec transcodedCodec;
    boolean rechooseRequested;
    private Duration timeout;
    private UpstreamRequest upstream;
    private ResourceLimit requestBudget;
    /** The cluster's {@code max_retries} budget, held while this stream's retry is in flight. */
    private ResourceLimit retryBudget;
    /** The built-in retry (a reused connection closed, a refused stream) was used. */
    private boolean retried;
    /** The stream ended by a reset (either side), not a complete response. */
    private boolean reset;
    /** The route's retry policy at work for this request, or null. */
    private Retries retries;
    /** Hosts of earlier attempts, or null before the first retry. */
    private Retries.Tried tried;
    /** The timeout of each attempt (retry_timeout, x-mosn-try-timeout), or null. */
    private Duration perTryTimeout;
    private TryTimer tryTimer;
    private RetryTimer retryTimer;
    /** Why the last attempt failed, answered if its retry finds no host. */
    private ResetReason lastFailure;
    /** Copies of the request on their way to mirror clusters, or null. */
    private RequestMirror[] mirrors;

    /** The client sent the request's end. */
    private boolean requestComplete;
    private boolean requestEndedOnHeaders;
    /** The upstream's response headers arrived: no more timeouts or retries. */
    private boolean upstreamResponseStarted;
    /** Response headers went to the client: a failure now can only reset the stream. */
    private boolean responseStarted;
    private boolean responseComplete;
    boolean done;

    private boolean waitingForUpstream;
    private boolean upstreamCongested;
    /** The upstream attempt that takes the rest of a request answered before its end, while it comes. */
    private UpstreamRequest rest;
    private boolean requestHeld;
    private boolean downstreamPaused;
    private boolean downstreamCongested;
    private boolean responseHeld;

    private final IdleTimer idle = new IdleTimer();
    /**
     * The route timeout runs (this stream is its timer, shared with the caller's deadline: both end
     * the stream the same way, so the timer is armed for the first of the two).
     */
    private boolean routeTimerArmed;
    /** Counts body chunks both ways; the idle timer looks for a change instead of being re-armed per chunk. */
    private int progress;

    DownstreamStream(ProxyConnection conn, ServerStream downstream) {
        this.conn = conn;
        this.downstream = downstream;
        this.info = new StreamInfo(conn, conn.filter.accessLog() != AccessLog.NONE);
        conn.streams.increment();
        conn.metrics.requestTotal.inc();
        conn.metrics.requestActive.inc();
    }

    // ---- the request, from the client ----

    @Override
    public void onHeaders(Headers headers, boolean endStream) {
        requestHeaders = headers;
        info.requestHeaders = headers;
        if (headers.message() instanceof XFrame f) {
            info.rpcRequestId = f.requestId(); // before the upstream side renumbers it
            info.bytesReceived += Math.max(0, f.payloadLength()); // an RPC call's body travels inside its frame
        }
        requestComplete = endStream;
        requestEndedOnHeaders = endStream;
        if (endStream) {
            info.requestReceived = 0; // whole with its headers: the stream starts with them
        }
        StreamFilterFactory.Creator creator = conn.filter.streamFilters();
        if (creator != null) {
            createFilters(creator);
        }
        idle.arm();
        Duration callerDeadline = downstream.callerDeadline();
        if (callerDeadline != null) {
            // the caller's deadline runs from now, whether or not its request stream has ended;
            // the route timeout still runs from the request's end
            conn.timeouts.armEarlier(this, Math.max(1, callerDeadline.toNanos()));
        }
        if (request != null) {
            request.onHeaders(headers, endStream);
        } else if (readyForUpstream()) {
            sendUpstream(headers, endStream);
        }
    }

    /**
     * Before the request's headers go upstream: routed and its host chosen (each once, and again
     * when a filter asked for it); false when the stream was answered instead (no route, a direct
     * response or redirect, no healthy host, headers that cannot be decoded).
     */
    private boolean readyForUpstream() {
        return (routed || route()) && (hostChosen || chooseHost());
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        if (done || responseComplete) {
            if (rest != null) {
                rest.sendRest(data, endStream);
                if (endStream) {
                    rest = null;
                }
                updateDownstreamPause();
            } else {
                data.release();
            }
            return;
        }
        progress++;
        info.bytesReceived += data.readableBytes();
        if (endStream) {
            requestEnded();
        }
        if (request != null) {
            request.onData(data, endStream);
        } else {
            sendRequestBody(data, endStream);
        }
    }

    @Override
    public void onTrailers(Headers trailers) {
        if (done || responseComplete) {
            return;
        }
        requestEnded();
        if (request != null) {
            request.onTrailers(trailers);
        } else {
            sendRequestTrailers(trailers);
        }
    }

    private void requestEnded() {
        requestComplete = true;
        info.requestReceived = info.sinceStart();
        startTimer();
    }

    @Override
    public void onReset(ResetReason reason) {
        // the client went away or broke the protocol: abandon the upstream side too
        if (done) {
            if (rest != null) {
                rest.abandonRest();
                rest = null;
            }
            return;
        }
        reset = true;
        info.setResponseFlag(reason == ResetReason.PROTOCOL_ERROR ? ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR
                : ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
        finish(ResetReason.LOCAL_RESET);
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        // the client's response buffer filled or drained: pace the upstream response
        downstreamCongested = !writable;
        updateUpstreamPause();
    }

    // ---- filters ----

    private void createFilters(StreamFilterFactory.Creator creator) {
        request = new RequestFilters();
        response = new ResponseFilters();
        List<RequestFilters.Entry>[] byPhase = phases();
        List<ResponseFilters.Entry> senders = new ArrayList<>(2);
        filters = new ArrayList<>(4);
        creator.createFilters(new StreamFilterChain() {
            @Override
            public void addReceiverFilter(StreamReceiverFilter filter, ReceiverPhase phase) {
                RequestFilters.Entry e = request.new Entry(filter, phase);
                byPhase[phase.ordinal()].add(e);
                remember(filter);
                filter.setReceiverCallbacks(e);
            }

            @Override
            public void addSenderFilter(StreamSenderFilter filter) {
                ResponseFilters.Entry e = response.new Entry(filter);
                senders.add(e);
                remember(filter);
                filter.setSenderCallbacks(e);
            }
        });
        for (List<RequestFilters.Entry> phase : byPhase) {
            phase.forEach(request::add);
        }
        for (int i = senders.size() - 1; i >= 0; i--) {
            response.add(senders.get(i)); // response filters run in reverse order, as in Envoy
        }
    }

    @SuppressWarnings("unchecked")
    private static List<RequestFilters.Entry>[] phases() {
        List<RequestFilters.Entry>[] p = new List[ReceiverPhase.values().length];
        for (int i = 0; i < p.length; i++) {
            p[i] = new ArrayList<>(2);
        }
        return p;
    }

    private void remember(StreamFilter f) {
        for (StreamFilter known : filters) {
            if (known == f) {
                return;
            }
        }
        filters.add(f);
    }

    /** A filter threw: a bug in it, so the request gets a 500 and the proxy goes on. */
    void filterFailed(FilterDirection.Entry e, RuntimeException ex) {
        log.warn("stream filter {} failed on request {}: {}", filterOf(e), info.connectionId(), ex.toString(), ex);
        sendLocalReply(LocalReply.error(ProxyError.UNKNOWN, "filter failed"), null);
    }

    /** The request's routing fields cannot be decoded (an RPC body): answered in the protocol. */
    void decodeFailed(MessageDecodeException ex) {
        log.info("{} request on connection {}: {}", info.protocol(), info.connectionId(), ex.getMessage());
        info.setResponseFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
        sendLocalReply(LocalReply.error(ProxyError.DESERIALIZATION, ex.getMessage()), null);
    }

    private static Object filterOf(FilterDirection.Entry e) {
        return e instanceof RequestFilters.Entry r ? r.filter.getClass().getName()
                : ((ResponseFilters.Entry) e).filter.getClass().getName();
    }

    int bufferLimit() {
        return conn.filter.bufferLimit();
    }

    // ---- routing and host choice (between the request phases) ----

    /** MOSN's per-request timeouts, in milliseconds: the whole request's, and each attempt's. */
    static final String GLOBAL_TIMEOUT_HEADER = "x-mosn-global-timeout";
    static final String TRY_TIMEOUT_HEADER = "x-mosn-try-timeout";

    /** Matches the route; false when the stream ended (no route, a redirect or direct response, no cluster). */
    private boolean route() {
        routed = true;
        hostChosen = false;
        Router router = conn.filter.router();
        RouteInfo r;
        try {
            r = router == null ? null : router.route(requestHeaders, info);
        } catch (MessageDecodeException ex) {
            decodeFailed(ex);
            return false;
        }
        route = r;
        info.route = r;
        hashKey = Long.MIN_VALUE; // a reroute may hash differently
        routeRule = r instanceof Route rr ? rr : null;
        if (r == null) {
            sendLocalReply(LocalReply.error(ProxyError.NO_ROUTE, "no route matched"), ResponseFlag.NO_ROUTE_FOUND);
            return false;
        }
        if (r.directResponse() != null) {
            sendLocalReply(r.directResponse(), null);
            return false;
        }
        String clusterName;
        if (routeRule != null) {
            LocalReply redirect = routeRule.redirectFor(requestHeaders);
            if (redirect != null) {
                sendLocalReply(redirect, null);
                return false;
            }
            weightedPick = routeRule.pickWeighted();
            clusterName = routeRule.clusterFor(weightedPick, requestHeaders, info);
            metadataMatch = routeRule.metadataMatch(weightedPick);
            if (clusterName == null) {
                // cluster_header or cluster_variable, and the request has no value: MOSN's and Envoy's 404
                sendLocalReply(LocalReply.error(ProxyError.NO_ROUTE, "no cluster for the request"), ResponseFlag.NO_ROUTE_FOUND);
                return false;
            }
        } else {
            clusterName = r.clusterName();
            metadataMatch = r.metadataMatch(); // a plugin's router
        }
        info.clusterName = clusterName;
        cluster = conn.clusters.get(clusterName);
        if (cluster == null) {
            if (routeRule != null && routeRule.clusterFromRequest()) {
                sendLocalReply(LocalReply.error(ProxyError.NO_ROUTE, "no cluster named \"" + clusterName + "\""), ResponseFlag.NO_ROUTE_FOUND);
            } else {
                // Envoy's answer for a route whose cluster is gone (removed by the control plane, or not sent yet): 503, flag NC;
                // protocols without HTTP statuses answer their "no healthy upstream"
                sendLocalReply(new LocalReply(503, ProxyError.NO_HEALTHY_UPSTREAM, "no cluster named \"" + clusterName + "\"", false, null),
                        ResponseFlag.NO_CLUSTER_FOUND);
            }
            return false;
        }
        timeout = r.timeout() == null ? ProxyFilter.DEFAULT_TIMEOUT : r.timeout();
        perTryTimeout = routeRule != null && routeRule.retryPolicy() != null ? routeRule.retryPolicy().perTryTimeout() : null;
        // an RPC call whose headers nothing read has none of these; an HTTP/1 request's fields not
        // decoded yet are read one by one from its head
        if (requestHeaders.isLoaded() || requestHeaders.message() == null) {
            Duration global = millis(requestHeaders.get(GLOBAL_TIMEOUT_HEADER));
            if (global != null) {
                timeout = global;
            }
            Duration perTry = millis(requestHeaders.get(TRY_TIMEOUT_HEADER));
            if (perTry != null) {
                perTryTimeout = perTry;
            }
        }
        Duration callerTimeout = downstream.requestTimeout();
        if (callerTimeout != null) {
            timeout = callerTimeout; // the caller's own timeout (bolt's field) sets the proxy's
        }
        if (perTryTimeout != null && perTryTimeout.compareTo(timeout) >= 0) {
            perTryTimeout = null; // MOSN: an attempt's timeout is only meant below the whole request's
        }
        return true;
    }

    /** A positive number of milliseconds, else null. */
    private static Duration millis(String v) {
        if (v == null || v.isEmpty() || v.length() > 12) {
            return null;
        }
        long ms = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            ms = ms * 10 + (c - '0');
        }
        return ms == 0 ? null : Duration.ofMillis(ms);
    }

    private boolean chooseHost() {
        hostChosen = true;
        if (!routed && !route()) {
            return false;
        }
        host = cluster.choose(this);
        info.upstreamHost = host;
        if (host == null) {
            sendLocalReply(LocalReply.error(ProxyError.NO_HEALTHY_UPSTREAM, "no healthy upstream in cluster \"" + cluster.info().name() + "\""),
                    ResponseFlag.NO_HEALTHY_UPSTREAM);
            return false;
        }
        return true;
    }

    /** The routed cluster's MOSN {@code upstream{cluster}} metrics. */
    io.mosn4j.stats.UpstreamMetrics clusterMetrics() {
        return cluster != null && cluster.info() instanceof io.mosn4j.upstream.Cluster c ? c.metrics() : io.mosn4j.stats.UpstreamMetrics.NONE;
    }

    // LoadBalancerContext

    /** The request's hash key once a hashing balancer asked for it; {@code Long.MIN_VALUE}: not computed yet. */
    private long hashKey = Long.MIN_VALUE;

    /**
     * The key consistent-hashing balancers place the request by: the first of its route's
     * {@code hash_policy} entries the request has a value for (a header, a cookie, the client's
     * address); a route without {@code hash_policy} hashes the client's address, as MOSN does. -1
     * when the request has none of them (the balancer then picks at random). Computed once.
     */
    @Override
    public long hashKey() {
        if (hashKey == Long.MIN_VALUE) {
            hashKey = computeHashKey();
        }
        return hashKey;
    }

    private long computeHashKey() {
        List<HashPolicy> policies = route == null ? List.of() : route.hashPolicy();
        if (policies.isEmpty()) {
            return sourceIpHash();
        }
        for (int i = 0; i < policies.size(); i++) {
            long h = switch (policies.get(i)) {
                case HashPolicy.Header p -> {
                    String v = requestHeaders == null ? null : requestHeaders.get(p.name());
                    yield v == null ? -1 : Hashing.hash(v) & Long.MAX_VALUE;
                }
                case HashPolicy.Cookie p -> {
                    String v = cookie(p.name());
                    yield v == null ? -1 : Hashing.hash(v) & Long.MAX_VALUE;
                }
                case HashPolicy.SourceIp p -> sourceIpHash();
            };
            if (h >= 0) {
                return h;
            }
        }
        return -1;
    }

    private long sourceIpHash() {
        return info.downstreamRemoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? Hashing.hash(a.getAddress().getAddress()) & Long.MAX_VALUE : -1;
    }

    /** The value of cookie {@code name} in the request's {@code Cookie} fields, or null. */
    private String cookie(String name) {
        if (requestHeaders == null) {
            return null;
        }
        for (String field : requestHeaders.getAll("cookie")) {
            for (String pair : field.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    String v = pair.substring(eq + 1).trim();
                    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
                }
            }
        }
        return null;
    }

    @Override
    public Map<String, String> metadataMatch() {
        if (info.attribute(RouteInfo.METADATA_MATCH) instanceof Map<?, ?> extra && !extra.isEmpty()) {
            // a filter's (header_to_metadata) values over the route's, as MOSN merges x-mosn-router-meta
            Map<String, String> merged = new java.util.HashMap<>(metadataMatch);
            for (Map.Entry<?, ?> e : extra.entrySet()) {
                if (e.getKey() instanceof String k && e.getValue() instanceof String v) {
                    merged.put(k, v);
                }
            }
            return merged;
        }
        return metadataMatch;
    }

    @Override
    public boolean shouldAvoid(HostInfo h) {
        return tried != null && tried.contains(h);
    }

    @Override
    public Headers requestHeaders() {
        return requestHeaders;
    }

    @Override
    public RequestInfo requestInfo() {
        return info;
    }

    // ---- upstream ----

    /** The request's headers passed every filter: send it. */
    private void sendUpstream(Headers headers, boolean end) {
        ResourceLimit budget = cluster.info().resources().requests();
        if (!budget.tryAcquire()) {
            clusterMetrics().requestPendingOverflow.inc();
            sendLocalReply(LocalReply.error(ProxyError.OVERFLOW, "upstream overflow"), ResponseFlag.UPSTREAM_OVERFLOW);
            return;
        }
        requestBudget = budget;
        info.upstreamProtocol = upstreamCodec().name();
        if (routeRule != null) {
            routeRule.finalizeRequest(headers, info);
            if (routeRule.retryPolicy() != null) {
                retries = new Retries(routeRule.retryPolicy(), bufferLimit());
            }
            if (routeRule.mirrors().length > 0) {
                startMirrors(headers, end);
            }
        }
        waitingForUpstream = !end; // hold the body back until there is somewhere to send it
        attempt(headers, end);
        // once, after the attempt: a pooled connection is mostly there at once, and pausing the
        // client's reads only to resume them costs two epoll_ctl calls per request
        updateDownstreamPause();
        startTimer();
    }

    /** A chunk of the request's body passed every filter: upstream it goes (and to mirrors, and kept for a retry). Takes ownership. */
    private void sendRequestBody(ByteBuf data, boolean end) {
        if (upstream == null) {
            data.release(); // answered already
            return;
        }
        if (mirrors != null) {
            for (RequestMirror m : mirrors) {
                m.requestData(data, end);
            }
        }
        if (retries != null) {
            retries.keep(data, end);
        }
        upstream.sendData(data, end);
    }

    private void sendRequestTrailers(Headers trailers) {
        if (upstream != null) {
            if (mirrors != null) {
                for (RequestMirror m : mirrors) {
                    m.requestTrailers(trailers);
                }
            }
            if (retries != null) {
                retries.keep(trailers);
            }
            upstream.sendTrailers(trailers);
        }
    }

    private void attempt(Headers headers, boolean end) {
        if (routeRule != null && routeRule.autoHostRewrite()) {
            headers.set(Headers.AUTHORITY, host.hostname() != null ? host.hostname() : host.address());
        }
        upstream = new UpstreamRequest(this, host, cluster.pool(host, upstreamCodec()), transcoder);
        upstream.start(headers, end);
    }

    /** The protocol the request goes upstream in: the proxy's, or the one a filter transcodes it to. */
    private ProtocolCodec upstreamCodec() {
        return transcodedCodec != null ? transcodedCodec : conn.upstreamCodec;
    }

    private void startMirrors(Headers headers, boolean end) {
        Route.Mirror[] policies = routeRule.mirrors();
        long nanos = timeout == null || timeout.isZero() ? ProxyFilter.DEFAULT_TIMEOUT.toNanos() : timeout.toNanos();
        // MOSN's mirror filter asks for several copies of each mirrored request (its amplification)
        int copies = info.attribute(RouteInfo.MIRROR_COPIES) instanceof Integer n && n > 1 ? n : 1;
        for (Route.Mirror p : policies) {
            if (!p.sample()) {
                continue;
            }
            for (int c = 0; c < copies; c++) {
                RequestMirror m = RequestMirror.start(conn, p.cluster(), headers, end, nanos);
                if (m != null && !end) {
                    if (mirrors == null) {
                        mirrors = new RequestMirror[] {m};
                    } else {
                        mirrors = java.util.Arrays.copyOf(mirrors, mirrors.length + 1);
                        mirrors[mirrors.length - 1] = m;
                    }
                }
            }
        }
    }

    void upstreamConnected(UpstreamRequest u, ClientConnection c) {
        info.upstreamLocalAddress = c.localAddress();
        info.upstreamConnectionId = c.id();
        waitingForUpstream = false;
    }

    void upstreamWritable(boolean writable) {
        // the upstream connection's buffer filled or drained: pace the client. Its request may be
        // complete already (an RPC request always is when routed): the connection is still full,
        // often shared with other clients' requests (RPC, HTTP/2), and the client's next bytes
        // would go the same way, so it waits too, until the buffer drains or this stream ends
        upstreamCongested = !writable;
        updateDownstreamPause();
    }

    void upstreamFailed(UpstreamRequest u, ResetReason reason, Throwable cause) {
        if (u != upstream || done) {
            return;
        }
        if (reason == ResetReason.CONNECT_FAILURE) {
            log.debug("connect to {} (cluster {}) failed: {}", host, info.clusterName, cause == null ? "" : cause.toString());
        }
        if (retry(u, reason, -1)) {
            return;
        }
        failUpstream(reason);
    }

    void upstreamReset(UpstreamRequest u, ResetReason reason) {
        if (u != upstream || done) {
            return;
        }
        if (retry(u, reason, -1)) {
            return;
        }
        failUpstream(reason);
    }

    /**
     * Sends the request again when the attempt {@code u}, which ended with {@code reason} (or, for
     * {@code status} >= 0, answered with that status), may be retried: by the route's retry policy
     * (retries left, body kept, and for a request that may have reached the upstream, a protocol
     * that says sending it again is safe), or by the built-in rule. Returns whether a retry is on
     * its way; the attempt is then over.
     */
    private boolean retry(UpstreamRequest u, ResetReason reason, int status) {
        if (upstreamResponseStarted || done || u != upstream) {
            return false;
        }
        boolean neverSent = reason == ResetReason.CONNECT_FAILURE || reason == ResetReason.REFUSED_STREAM;
        boolean byPolicy = retries != null && retries.left > 0 && retries.replayable()
                && (status >= 0 ? retries.policy.retriable(status) : reason != null && retries.policy.retriable(reason))
                && (neverSent || downstream.retrySafe());
        // built in: a kept-alive connection the upstream closed just as we reused it: most likely the
        // request never reached the application, so an idempotent one is tried once more on a
        // fresh connection (nginx's rule: never replay a POST the upstream may have acted on);
        // a stream the upstream says it never processed (REFUSED_STREAM, or above its GOAWAY's
        // last stream) is safe to send again whatever its method, as long as no body was lost
        boolean builtIn = !byPolicy && !retried && status < 0 && u.connection != null && requestEndedOnHeaders
                && (reason == ResetReason.REFUSED_STREAM
                        || (u.connection.reused() && reason == ResetReason.CONNECTION_TERMINATION && idempotent()));
        if (!byPolicy && !builtIn) {
            return false;
        }
        if (retryBudget == null) {
            // max_retries bounds the retries in flight (Envoy's meaning): held until the stream ends
            ResourceLimit budget = cluster.info().resources().retries();
            if (!budget.tryAcquire()) {
                clusterMetrics().requestRetryOverflow.inc();
                return false;
            }
            retryBudget = budget;
        }
        clusterMetrics().requestRetry.inc();
        lastFailure = reason != null ? reason : ResetReason.REMOTE_RESET;
        if (tryTimer != null) {
            tryTimer.disarm();
        }
        u.finish(reason == ResetReason.TIMEOUT ? ResetReason.TIMEOUT : ResetReason.LOCAL_RESET);
        if (!byPolicy) {
            retried = true;
            attempt(requestHeaders, true); // the same host, a fresh connection
            return true;
        }
        retries.left--;
        if (tried == null) {
            tried = new Retries.Tried();
        }
        tried.add(u.host);
        if (retryTimer == null) {
            retryTimer = new RetryTimer();
        }
        retryTimer.arm();
        return true;
    }

    /** The retry's backoff passed: a host other than those tried when there is one, and the request again. */
    private void retryNow() {
        if (done) {
            return;
        }
        host = cluster.choose(this);
        info.upstreamHost = host;
        if (host == null) {
            failUpstream(lastFailure);
            return;
        }
        waitingForUpstream = !requestComplete; // the rest of the body waits for the new connection
        attempt(requestHeaders, requestEndedOnHeaders);
        retries.replay(upstream);
        updateDownstreamPause();
        startTimer();
    }

    private boolean idempotent() {
        String m = requestHeaders.method();
        return m != null && switch (m) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    /** The upstream attempt failed: tell the client in its protocol, or reset if its response started. */
    private void failUpstream(ResetReason reason) {
        if (done) {
            return;
        }
        ResponseFlag flag = switch (reason) {
            case TIMEOUT -> ResponseFlag.UPSTREAM_REQUEST_TIMEOUT;
            case OVERFLOW -> ResponseFlag.UPSTREAM_OVERFLOW;
            case CONNECT_FAILURE -> ResponseFlag.UPSTREAM_CONNECTION_FAILURE;
            case CONNECTION_TERMINATION -> ResponseFlag.UPSTREAM_CONNECTION_TERMINATION;
            case PROTOCOL_ERROR -> ResponseFlag.UPSTREAM_PROTOCOL_ERROR;
            default -> ResponseFlag.UPSTREAM_REMOTE_RESET;
        };
        if (responseStarted) {
            reset = true;
            info.setResponseFlag(flag);
            downstream.reset(reason);
            finish(ResetReason.LOCAL_RESET);
            return;
        }
        // the client is not told which upstream failed (an address inside the network is none of its
        // business); the log says it, one line a second at most however many requests fail
        LocalReply reply = switch (reason) {
            case TIMEOUT -> LocalReply.error(ProxyError.TIMEOUT, "upstream request timeout");
            case OVERFLOW -> LocalReply.error(ProxyError.OVERFLOW, "upstream overflow");
            case CONNECT_FAILURE -> LocalReply.error(ProxyError.NO_HEALTHY_UPSTREAM, "upstream connect error");
            default -> LocalReply.error(ProxyError.NO_HEALTHY_UPSTREAM, "upstream reset before response");
        };
        if (reason != ResetReason.TIMEOUT && reason != ResetReason.OVERFLOW) {
            long more = UPSTREAM_FAILURES.due();
            if (more >= 0) {
                log.info("cluster {}: {} {} ({} request on downstream connection {}){}", info.clusterName,
                        reason == ResetReason.CONNECT_FAILURE ? "cannot connect to" : "reset before its response by", host, info.protocol(),
                        info.connectionId(), Throttle.more(more, "upstream failures"));
            }
        }
        sendLocalReply(reply, flag);
    }

    // ---- the response, from the upstream ----

    void upstreamHeaders(UpstreamRequest u, Headers headers, boolean end) {
        if (done) {
            headers.releaseMessage();
            return;
        }
        if (retries != null) {
            int status = headers.status();
            if (status >= 0 && retries.policy.retriable(status) && retry(u, null, status)) {
                headers.releaseMessage(); // a retriable answer: dropped, the request goes again
                return;
            }
            retries.release();
        }
        if (tryTimer != null) {
            tryTimer.disarm();
        }
        cancelTimer();
        u.responded(countedStatus(headers));
        upstreamResponseStarted = true;
        info.responseReceived = Math.max(0, u.answeredNanos - info.startNanos()); // the answer's turn began before the stream did (HTTP/1 pipelining)
        info.responseHeaders = headers;
        if (routeRule != null) {
            routeRule.finalizeResponse(headers, info);
        }
        if (response != null) {
            response.onHeaders(headers, end);
        } else {
            sendResponseHeaders(headers, end);
        }
    }

    void upstreamData(ByteBuf data, boolean end) {
        if (done) {
            data.release();
            return;
        }
        progress++;
        if (response != null) {
            response.onData(data, end);
        } else {
            sendResponseBody(data, end);
        }
    }

    void upstreamTrailers(Headers trailers) {
        if (done) {
            return;
        }
        if (response != null) {
            response.onTrailers(trailers);
        } else {
            sendResponseTrailers(trailers);
        }
    }

    /** The response's headers passed every filter: to the client they go. */
    private void sendResponseHeaders(Headers h, boolean end) {
        responseStarted = true;
        info.responseCode = countedStatus(h);
        if (h.message() instanceof XFrame f && !f.isRequest()) {
            info.rpcStatus = f.status();
            info.bytesSent += Math.max(0, f.payloadLength());
        }
        if (end) {
            responseComplete = true;
            // done before writing: writing the end may start the connection's next request
            finish(ResetReason.LOCAL_RESET);
        }
        downstream.sendHeaders(h, end);
    }

    /** Takes ownership of {@code data}. */
    private void sendResponseBody(ByteBuf data, boolean end) {
        info.bytesSent += data.readableBytes();
        if (end) {
            responseComplete = true;
            finish(ResetReason.LOCAL_RESET);
        }
        downstream.sendData(data, end);
        if (!end && !downstream.isWritable()) {
            downstreamCongested = true;
            updateUpstreamPause();
        }
    }

    private void sendResponseTrailers(Headers trailers) {
        responseComplete = true;
        finish(ResetReason.LOCAL_RESET);
        downstream.sendTrailers(trailers);
    }

    // ---- local replies ----

    /** The proxy answers itself: no route, no upstream, a timeout, a filter's refusal. */
    void sendLocalReply(LocalReply reply, ResponseFlag flag) {
        if (done) {
            return;
        }
        if (flag != null) {
            info.setResponseFlag(flag);
        }
        if (responseStarted) {
            downstream.reset(ResetReason.LOCAL_RESET); // too late to say anything in the protocol
            finish(ResetReason.LOCAL_RESET);
            return;
        }
        for (int i = 0; response != null && i < response.count; i++) {
            reply = ((ResponseFilters.Entry) response.entries[i]).filter.onLocalReply(reply);
        }
        responseStarted = true;
        responseComplete = true;
        info.responseCode = reply.status();
        if (info.responseReceived < 0) {
            info.responseReceived = info.sinceStart();
        }
        // finished before writing: the write may complete the connection's turn and start the next
        // pipelined request right here, and this stream must already be out of the way
        finish(ResetReason.LOCAL_RESET);
        downstream.sendLocalReply(reply);
    }

    // ---- timeouts ----

    /**
     * Arms the route timeout once the request ended and went upstream: time spent in the stream
     * filters (a fault delay, an auth call) does not count, as in MOSN (its timer starts when the
     * request was sent) and Envoy (its router filter comes last).
     */
    private void startTimer() {
        if (!requestComplete || upstream == null || upstreamResponseStarted || done) {
            return;
        }
        if (!routeTimerArmed && timeout != null && !timeout.isZero()) {
            routeTimerArmed = true;
            conn.timeouts.armEarlier(this, timeout.toNanos());
        }
        if (perTryTimeout != null && !upstream.isFinished()) {
            if (tryTimer == null) {
                tryTimer = new TryTimer();
            }
            if (tryTimer.attempt != upstream) {
                tryTimer.arm(upstream);
            }
        }
    }

    /** The route timeout or the caller's deadline passed, whichever came first. */
    @Override
    void onTimeout() {
        routeTimerArmed = false;
        expire();
    }

    /** The route timeout or the caller's deadline passed before the response started. */
    private void expire() {
        if (done || upstreamResponseStarted) {
            return;
        }
        if (upstream != null) {
            upstream.finish(ResetReason.TIMEOUT);
        }
        failUpstream(ResetReason.TIMEOUT);
    }

    /** The route timeout and the caller's deadline no longer apply. */
    private void cancelTimer() {
        routeTimerArmed = false;
        conn.timeouts.disarm(this);
    }

    /** One attempt's timeout (retry_timeout): the attempt is given up, and retried when the policy allows. */
    private final class TryTimer extends StreamTimeouts.Timer {
        UpstreamRequest attempt;

        void arm(UpstreamRequest u) {
            attempt = u;
            conn.timeouts.arm(this, perTryTimeout.toNanos());
        }

        void disarm() {
            conn.timeouts.disarm(this);
        }

        @Override
        void onTimeout() {
            UpstreamRequest u = attempt;
            if (done || upstreamResponseStarted || u != upstream) {
                return;
            }
            if (retry(u, ResetReason.TIMEOUT, -1)) {
                return;
            }
            u.finish(ResetReason.TIMEOUT);
            failUpstream(ResetReason.TIMEOUT);
        }
    }

    /** The pause before a retry (MOSN's 10 ms). */
    private final class RetryTimer extends StreamTimeouts.Timer {
        void arm() {
            conn.timeouts.arm(this, Retries.BACKOFF_NANOS);
        }

        void disarm() {
            conn.timeouts.disarm(this);
        }

        @Override
        void onTimeout() {
            retryNow();
        }
    }

    /**
     * Envoy's stream idle timeout: a stream with no body bytes moving either way for
     * {@link ProxyFilter#STREAM_IDLE_TIMEOUT} is ended, so a stalled upload or download cannot
     * hold its connections forever.
     */
    private final class IdleTimer extends StreamTimeouts.Timer {
        private int seen;

        void arm() {
            seen = progress;
            conn.timeouts.arm(this, ProxyFilter.STREAM_IDLE_TIMEOUT.toNanos());
        }

        void disarm() {
            conn.timeouts.disarm(this);
        }

        @Override
        void onTimeout() {
            if (done) {
                return;
            }
            if (progress != seen) {
                arm(); // bytes moved since: not idle
                return;
            }
            log.debug("stream idle for {}; ending it", ProxyFilter.STREAM_IDLE_TIMEOUT);
            if (upstream != null) {
                upstream.finish(ResetReason.TIMEOUT);
            }
            if (responseStarted) {
                info.setResponseFlag(ResponseFlag.STREAM_IDLE_TIMEOUT);
                downstream.reset(ResetReason.TIMEOUT);
                finish(ResetReason.TIMEOUT);
            } else if (!requestComplete) {
                sendLocalReply(LocalReply.error(408, "request body timeout"), ResponseFlag.STREAM_IDLE_TIMEOUT);
            } else {
                sendLocalReply(LocalReply.error(ProxyError.TIMEOUT, "upstream stream idle timeout"), ResponseFlag.STREAM_IDLE_TIMEOUT);
            }
        }
    }

    // ---- flow control ----

    /**
     * The status a response counts as (metrics, outlier detection, balancers): its {@code :status},
     * or for an RPC frame its protocol's status as HTTP ({@link XFrame#httpStatus}, as MOSN maps
     * them), read from the frame without decoding its header map; -1 when there is none.
     */
    static int countedStatus(Headers h) {
        return h.message() instanceof XFrame f && !f.isRequest() ? f.httpStatus() : h.status();
    }

    private void updateDownstreamPause() {
        boolean pause = done ? rest != null && upstreamCongested : waitingForUpstream || upstreamCongested || requestHeld;
        if (pause != downstreamPaused) {
            downstreamPaused = pause;
            downstream.readDisable(pause);
        }
    }

    private void updateUpstreamPause() {
        if (upstream != null) {
            upstream.pause(!done && (downstreamCongested || responseHeld));
        }
    }

    // ---- the end ----

    private void finish(ResetReason upstreamReason) {
        if (done) {
            return;
        }
        done = true;
        info.requestFinished = info.sinceStart();
        conn.filter.accessLog().log(info); // formats now, while the request's headers and frames are still whole
        updateDownstreamPause(); // a finished stream holds its client back no longer
        cancelTimer();
        idle.disarm();
        if (tryTimer != null) {
            tryTimer.disarm();
        }
        if (retryTimer != null) {
            retryTimer.disarm();
        }
        if (retries != null) {
            retries.release();
        }
        if (mirrors != null) {
            for (RequestMirror m : mirrors) {
                m.abandon(); // a copy still waiting for the body is not sent; one on its way goes on
            }
        }
        if (upstream != null) {
            // answered before the request's end (an upload the upstream did not need): where both
            // connections allow it, the rest still goes up and the upstream connection is kept
            if (!(responseComplete && !requestComplete && !reset && filters == null && downstream.deliversRestAfterResponse()
                    && upstream.finishTakingRest())) {
                upstream.finish(upstreamReason);
            } else {
                rest = upstream;
                updateDownstreamPause();
            }
        }
        if (request != null) {
            request.releaseHeld();
            response.releaseHeld();
        }
        if (filters != null) {
            for (StreamFilter f : filters) {
                try {
                    f.onDestroy();
                } catch (RuntimeException ex) {
                    log.warn("stream filter {} failed in onDestroy: {}", f.getClass().getName(), ex.toString(), ex);
                }
            }
        }
        if (requestBudget != null) {
            requestBudget.release();
        }
        if (retryBudget != null) {
            retryBudget.release();
        }
        conn.streams.decrement();
        conn.metrics.requestDone(reset ? 0 : info.responseCode, info.requestFinished, reset);
    }

    /** Runs {@code task} on the stream's loop: now when already there, else queued. */
    private void onLoop(Runnable task) {
        if (conn.loop.inEventLoop()) {
            task.run();
        } else {
            conn.loop.execute(task);
        }
    }

    // ---- the two directions ----

    /** The request through the receiver filters; routing and host choice between the phases. */
    private final class RequestFilters extends FilterDirection {
        RequestFilters() {
            super(DownstreamStream.this);
        }

        @Override
        FilterStatus callHeaders(FilterDirection.Entry e, Headers h, boolean end) {
            return ((Entry) e).filter.onRequestHeaders(h, end);
        }

        @Override
        FilterStatus callData(FilterDirection.Entry e, ByteBuf data, boolean end) {
            return ((Entry) e).filter.onRequestData(data, end);
        }

        @Override
        FilterStatus callTrailers(FilterDirection.Entry e, Headers trailers) {
            return ((Entry) e).filter.onRequestTrailers(trailers);
        }

        @Override
        boolean beforeHeaders(int i) {
            if (i == count) {
                return readyForUpstream();
            }
            ReceiverPhase next = ((Entry) entries[i]).phase;
            if (next != ReceiverPhase.BEFORE_ROUTE && !routed && !route()) {
                return false;
            }
            return next == ReceiverPhase.BEFORE_ROUTE || next == ReceiverPhase.AFTER_ROUTE || hostChosen || chooseHost();
        }

        @Override
        void afterHeadersCall(FilterDirection.Entry e) {
            if (rerouteRequested) {
                rerouteRequested = false;
                routed = false;
                hostChosen = false;
            }
            if (rechooseRequested) {
                rechooseRequested = false;
                hostChosen = false;
            }
        }

        @Override
        void sinkHeaders(Headers h, boolean end) {
            sendUpstream(h, end);
        }

        @Override
        void sinkData(ByteBuf data, boolean end) {
            sendRequestBody(data, end);
        }

        @Override
        void sinkTrailers(Headers trailers) {
            sendRequestTrailers(trailers);
        }

        @Override
        void overLimit(int kind) {
            if (kind == DATA) {
                // a filter wants the whole body, and it is larger than the proxy holds for anyone
                sendLocalReply(LocalReply.error(ProxyError.PAYLOAD_TOO_LARGE, "request body too large to buffer"),
                        ResponseFlag.REQUEST_ENTITY_TOO_LARGE);
                return;
            }
            requestHeld = true;
            updateDownstreamPause();
        }

        @Override
        void underLimit() {
            if (requestHeld) {
                requestHeld = false;
                updateDownstreamPause();
            }
        }

        /** A request filter and its callbacks. */
        final class Entry extends Callbacks implements ReceiverFilterCallbacks {
            final StreamReceiverFilter filter;
            final ReceiverPhase phase;

            Entry(StreamReceiverFilter filter, ReceiverPhase phase) {
                this.filter = filter;
                this.phase = phase;
            }

            @Override
            public void resume() {
                onLoop(() -> RequestFilters.this.resume(this));
            }

            @Override
            public void reroute() {
                rerouteRequested = true;
            }

            @Override
            public void rechooseHost() {
                rechooseRequested = true;
            }

            @Override
            public void transcode(Transcoder t) {
                ProtocolCodec codec = conn.filter.codecs().get(t.upstreamProtocol());
                if (codec == null) {
                    // a bug in the transcoder, or its protocol's module left out of the build
                    throw new IllegalStateException("no codec \"" + t.upstreamProtocol() + "\" to transcode to");
                }
                transcoder = t;
                transcodedCodec = codec;
            }
        }
    }

    /** The response through the sender filters, to the client. */
    private final class ResponseFilters extends FilterDirection {
        ResponseFilters() {
            super(DownstreamStream.this);
        }

        @Override
        FilterStatus callHeaders(FilterDirection.Entry e, Headers h, boolean end) {
            return ((Entry) e).filter.onResponseHeaders(h, end);
        }

        @Override
        FilterStatus callData(FilterDirection.Entry e, ByteBuf data, boolean end) {
            return ((Entry) e).filter.onResponseData(data, end);
        }

        @Override
        FilterStatus callTrailers(FilterDirection.Entry e, Headers trailers) {
            return ((Entry) e).filter.onResponseTrailers(trailers);
        }

        @Override
        void sinkHeaders(Headers h, boolean end) {
            sendResponseHeaders(h, end);
        }

        @Override
        void sinkData(ByteBuf data, boolean end) {
            sendResponseBody(data, end);
        }

        @Override
        void sinkTrailers(Headers trailers) {
            sendResponseTrailers(trailers);
        }

        @Override
        void overLimit(int kind) {
            if (kind == DATA) {
                sendLocalReply(LocalReply.error(ProxyError.UNKNOWN, "response body too large to buffer"), null);
                return;
            }
            responseHeld = true;
            updateUpstreamPause();
        }

        @Override
        void underLimit() {
            if (responseHeld) {
                responseHeld = false;
                updateUpstreamPause();
            }
        }

        /** A response filter and its callbacks. */
        final class Entry extends Callbacks implements SenderFilterCallbacks {
            final StreamSenderFilter filter;

            Entry(StreamSenderFilter filter) {
                this.filter = filter;
            }

            @Override
            public void resume() {
                onLoop(() -> ResponseFilters.this.resume(this));
            }
        }
    }

    /** What every filter's callbacks share; only resuming differs by direction. */
    private abstract class Callbacks extends FilterDirection.Entry implements io.mosn4j.api.filter.StreamFilterCallbacks {
        @Override
        public RequestInfo requestInfo() {
            return info;
        }

        @Override
        public Headers requestHeaders() {
            return requestHeaders;
        }

        @Override
        public Headers responseHeaders() {
            return info.responseHeaders;
        }

        @Override
        public RouteInfo route() {
            return route;
        }

        @Override
        public Variables variables() {
            return conn.filter.variables();
        }

        @Override
        public ScheduledExecutorService executor() {
            return conn.loop;
        }

        @Override
        public void sendLocalReply(LocalReply reply) {
            onLoop(() -> DownstreamStream.this.sendLocalReply(reply, null));
        }

        @Override
        public void resetStream() {
            onLoop(DownstreamStream.this::resetByFilter);
        }

        @Override
        public FilterStatus stopUntil(CompletionStage<?> stage) {
            return DownstreamStream.this.stopUntil(this, stage);
        }

        @Override
        public FilterStatus runBlocking(Runnable blocking) {
            return DownstreamStream.this.runBlocking(this, blocking);
        }

        @Override
        public void replaceData(ByteBuf replacement) {
            replace(replacement);
        }
    }

    private void resetByFilter() {
        if (done) {
            return;
        }
        reset = true;
        info.setResponseFlag(ResponseFlag.LOCAL_RESET);
        downstream.reset(ResetReason.LOCAL_RESET);
        finish(ResetReason.LOCAL_RESET);
    }

    private FilterStatus stopUntil(FilterDirection.Entry e, CompletionStage<?> stage) {
        stage.whenComplete((value, error) -> onLoop(() -> {
            if (error != null) {
                log.warn("stream filter {} failed waiting on request {}: {}", filterOf(e), info.connectionId(), error.toString());
                sendLocalReply(LocalReply.error(ProxyError.UNKNOWN, "filter failed"), null);
            } else {
                resumeEntry(e);
            }
        }));
        return FilterStatus.STOP;
    }

    private FilterStatus runBlocking(FilterDirection.Entry e, Runnable task) {
        Thread.ofVirtual().name("mosn-filter-", 0).start(() -> {
            try {
                task.run();
                onLoop(() -> resumeEntry(e));
            } catch (Throwable t) {
                log.warn("stream filter {} failed in blocking work: {}", filterOf(e), t.toString(), t);
                onLoop(() -> sendLocalReply(LocalReply.error(ProxyError.UNKNOWN, "filter failed"), null));
            }
        });
        return FilterStatus.STOP;
    }

    private void resumeEntry(FilterDirection.Entry e) {
        if (e instanceof RequestFilters.Entry) {
            request.resume(e);
        } else {
            response.resume(e);
        }
    }
}
