package io.mosn4j.filter.grpcmetric;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.stats.StatsScope;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MOSN's {@code grpc_metric}: per gRPC method (MOSN's {@code service} label, the full method name
 * {@code /pkg.Service/Method}), the calls answered ({@code grpc_request_total}) and how
 * ({@code grpc_response_succ_total} for {@code grpc-status} 0, {@code grpc_response_fail_total}
 * otherwise, for the proxy's own error answers and for calls reset before their status). Only
 * requests with a gRPC content type are counted. The method names come from clients, so at most
 * {@link #MAX_METHODS} get their own counters per filter config; the rest are counted under
 * {@code service="other"}. Takes no config (as MOSN).
 */
public final class GrpcMetricFilterFactory implements StreamFilterFactory {
    private static final Logger log = LoggerFactory.getLogger(GrpcMetricFilterFactory.class);
    static final int MAX_METHODS = 1000;
    static final String OTHER = "other";

    @Override
    public String name() {
        return "grpc_metric";
    }

    @Override
    public Creator create(ConfigValue config) {
        return create(config, null);
    }

    @Override
    public Creator create(ConfigValue config, Context context) {
        for (String key : config.keys()) {
            config.warn(key, "the grpc_metric stream filter takes no config; ignored");
        }
        Methods methods = new Methods(context == null ? Stats.NONE : context.stats());
        return chain -> chain.addSenderFilter(new Filter(methods));
    }

    /** One method's counters. */
    record Counters(Counter requests, Counter success, Counter failure) {}

    /** The counters of every method seen, created on first use, bounded. */
    static final class Methods {
        private final Stats stats;
        private final ConcurrentHashMap<String, Counters> byMethod = new ConcurrentHashMap<>();
        private final AtomicBoolean warned = new AtomicBoolean();

        Methods(Stats stats) {
            this.stats = stats;
        }

        Counters of(String method) {
            Counters c = byMethod.get(method);
            if (c != null) {
                return c;
            }
            if (byMethod.size() >= MAX_METHODS) {
                if (warned.compareAndSet(false, true)) {
                    log.warn("grpc_metric: more than {} gRPC methods seen; the others are counted as service=\"{}\"", MAX_METHODS, OTHER);
                }
                method = OTHER;
            }
            return byMethod.computeIfAbsent(method, m -> {
                StatsScope s = stats.scope("grpc", Map.of("service", m));
                return new Counters(s.counter("request_total"), s.counter("response_succ_total"), s.counter("response_fail_total"));
            });
        }
    }

    /** One stream: counted once, when its gRPC status is known (or it ends without one). */
    static final class Filter implements StreamSenderFilter {
        private final Methods methods;
        private SenderFilterCallbacks callbacks;
        private boolean counted;

        Filter(Methods methods) {
            this.methods = methods;
        }

        @Override
        public void setSenderCallbacks(SenderFilterCallbacks callbacks) {
            this.callbacks = callbacks;
        }

        @Override
        public FilterStatus onResponseHeaders(Headers headers, boolean endStream) {
            if (endStream) {
                count(headers.get("grpc-status")); // trailers-only
            }
            return FilterStatus.CONTINUE;
        }

        @Override
        public FilterStatus onResponseData(io.netty.buffer.ByteBuf data, boolean endStream) {
            if (endStream) {
                count(null); // a gRPC response must end with trailers: this one has no status
            }
            return FilterStatus.CONTINUE;
        }

        @Override
        public FilterStatus onResponseTrailers(Headers trailers) {
            count(trailers.get("grpc-status"));
            return FilterStatus.CONTINUE;
        }

        @Override
        public LocalReply onLocalReply(LocalReply reply) {
            count(null); // the proxy's own answer: no route, no upstream, a timeout, a filter's refusal
            return reply;
        }

        @Override
        public void onDestroy() {
            count(null); // reset before a status: a failed call
        }

        private void count(String status) {
            if (counted) {
                return;
            }
            counted = true;
            String method = grpcMethod(callbacks.requestHeaders());
            if (method == null) {
                return;
            }
            Counters c = methods.of(method);
            c.requests().inc();
            if ("0".equals(status)) {
                c.success().inc();
            } else {
                c.failure().inc();
            }
        }

        /** The request's full method name when it is a gRPC call, else null. */
        static String grpcMethod(Headers request) {
            if (request == null || request.message() != null) {
                return null;
            }
            String type = request.get("content-type");
            if (type == null || !type.regionMatches(true, 0, "application/grpc", 0, 16)) {
                return null;
            }
            String path = request.path();
            if (path == null || path.isEmpty()) {
                return null;
            }
            int q = path.indexOf('?');
            return q < 0 ? path : path.substring(0, q);
        }
    }
}
