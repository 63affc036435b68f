package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * A cluster's active health check ({@code health_check}), with MOSN's field names and defaults: a
 * check every {@code interval} (15s) plus up to {@code interval_jitter} (5ms), failed after
 * {@code timeout} (1s); {@code unhealthy_threshold} failures in a row (1) take a host out of
 * rotation, {@code healthy_threshold} successes in a row (1) bring it back. {@code protocol}
 * {@code Http1} with {@code check_config.http_check_config} checks with an HTTP request; anything
 * else opens a TCP connection. {@code event_log_path} is MOSN's health-check log. As in MOSN,
 * checks run only when {@code service_name} is set (MOSN's checker is keyed by it).
 *
 * @param initialDelaySeconds MOSN's name for the wait before a host's first check: a duration
 *     despite the name ({@code "1s"}); default 1s
 */
public record HealthCheckConfig(
        String protocol,
        Duration timeout,
        Duration interval,
        Duration intervalJitter,
        Duration initialDelaySeconds,
        Integer healthyThreshold,
        Integer unhealthyThreshold,
        String serviceName,
        JsonNode checkConfig,
        String eventLogPath,
        List<String> commonCallbacks) {

    public HealthCheckConfig {
        protocol = protocol == null ? "" : protocol.trim();
        timeout = orDefault(timeout, Duration.ofSeconds(1), "timeout");
        interval = orDefault(interval, Duration.ofSeconds(15), "interval");
        intervalJitter = orDefault(intervalJitter, Duration.ofMillis(5), "interval_jitter");
        initialDelaySeconds = orDefault(initialDelaySeconds, Duration.ofSeconds(1), "initial_delay_seconds");
        healthyThreshold = threshold(healthyThreshold, "healthy_threshold");
        unhealthyThreshold = threshold(unhealthyThreshold, "unhealthy_threshold");
        commonCallbacks = ConfigLists.copy(commonCallbacks, "common_callbacks");
    }

    private static Duration orDefault(Duration d, Duration fallback, String field) {
        if (d != null && d.isNegative()) {
            throw new ConfigException(field, "must not be negative");
        }
        return d == null || d.isZero() ? fallback : d;
    }

    private static Integer threshold(Integer v, String field) {
        if (v != null && v < 0) {
            throw new ConfigException(field, "must not be negative, got " + v);
        }
        return v == null || v == 0 ? 1 : v;
    }

    /** Whether checks run: MOSN starts a cluster's health checker only when {@code service_name} is set. */
    public boolean enabled() {
        return serviceName != null && !serviceName.isBlank();
    }

    /** Whether this checks with HTTP requests (MOSN's {@code Http1} session), not TCP connects. */
    public boolean http() {
        return protocol.equalsIgnoreCase("Http1") || protocol.equalsIgnoreCase("http");
    }

    /**
     * MOSN's {@code http_check_config}: the request an HTTP check sends and the statuses that pass.
     *
     * @param port the port to check, when not the host's own (0: the host's)
     * @param codes status ranges that pass, both ends included; none: only 200
     */
    public record HttpCheck(Integer port, Duration timeout, String path, String method, String scheme, String domain,
                            List<CodeRange> codes) {
        public HttpCheck {
            port = port == null ? 0 : port;
            if (port < 0 || port > 65535) {
                throw new ConfigException("port", "must be 0..65535, got " + port);
            }
            path = path == null || path.isBlank() ? "/" : path;
            if (!path.startsWith("/")) {
                throw new ConfigException("path", "must start with /, got \"" + path + "\"");
            }
            method = method == null || method.isBlank() ? "GET" : method.trim();
            scheme = scheme == null || scheme.isBlank() ? "http" : scheme.trim();
            if (scheme.equalsIgnoreCase("https")) {
                throw new ConfigException("scheme", "https health checks are not supported yet (the health checker does not speak TLS yet)");
            }
            if (!scheme.equalsIgnoreCase("http")) {
                throw new ConfigException("scheme", "unknown value \"" + scheme + "\" (expected http)");
            }
            codes = ConfigLists.copy(codes, "codes");
            for (int i = 0; i < codes.size(); i++) {
                CodeRange c = codes.get(i);
                if (c.start() > c.end()) {
                    throw new ConfigException("codes[" + i + "]", "start " + c.start() + " is above end " + c.end());
                }
            }
        }

        public boolean passes(int status) {
            if (codes.isEmpty()) {
                return status == 200;
            }
            for (CodeRange c : codes) {
                if (status >= c.start() && status <= c.end()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A range of HTTP statuses, both ends included. */
    public record CodeRange(Integer start, Integer end) {
        public CodeRange {
            start = start == null ? 0 : start;
            end = end == null ? start : end;
        }
    }
}
