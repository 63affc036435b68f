package io.mosn4j.filter.flowcontrol;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.StreamMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code flowControlFilter}'s config (MOSN's flow control {@code Config}):
 * {@code {"app_name", "log_path", "global_switch", "monitor", "limit_key_type", "direction",
 * "action": {"status", "body"}, "rules": [...]}} with MOSN's defaults: app {@code unknown}, logs
 * under {@code /tmp/sentinel}, the filter off unless {@code global_switch} is true (Go's zero
 * value), key {@code PATH}, a block answered 509 "current request is limited".
 *
 * @param appName Sentinel's application name (its log files carry it)
 * @param logPath the directory Sentinel writes its record and metric logs to
 * @param globalSwitch false: the filter does nothing
 * @param monitor true: requests over a limit are counted, not blocked
 * @param keyType what names a request's Sentinel resource
 * @param outbound {@code "direction": "Outbound"}: entries are Sentinel's outbound type
 * @param status the status of a blocked request's answer
 * @param body the body of a blocked request's answer, sent as it is
 * @param rules the flow rules
 */
record FlowControlConfig(String appName, String logPath, boolean globalSwitch, boolean monitor, KeyType keyType,
        boolean outbound, int status, String body, List<Rule> rules) {

    static final String DEFAULT_APP = "unknown";
    static final String DEFAULT_LOG_PATH = "/tmp/sentinel";
    /** MOSN's {@code api.LimitExceededCode}. */
    static final int LIMIT_EXCEEDED = 509;
    static final String DEFAULT_BODY = "current request is limited";

    /** Sentinel's flow rule grades. */
    static final int GRADE_THREAD = 0;
    static final int GRADE_QPS = 1;

    FlowControlConfig {
        rules = List.copyOf(rules);
    }

    /** MOSN's {@code limit_key_type} values: which part of a request names its resource. */
    enum KeyType {
        /** The request path without its query; an RPC call's service. */
        PATH,
        /** The query string (without {@code ?}); RPC calls have none and pass. */
        ARG,
        /** The path with its query; an RPC call's service. */
        URI;

        /** The resource {@code headers} belong to, or null when the request has none. */
        String resource(Headers headers) {
            StreamMessage m = headers.message();
            if (m instanceof XFrame frame) {
                try {
                    return this == ARG ? null : frame.serviceName();
                } catch (RuntimeException e) {
                    return null; // a header block that does not decode: the codec answers for it
                }
            }
            String p = headers.path();
            if (p == null) {
                return null;
            }
            int q = p.indexOf('?');
            return switch (this) {
                case PATH -> q < 0 ? p : p.substring(0, q);
                case URI -> p;
                case ARG -> q < 0 ? null : p.substring(q + 1);
            };
        }
    }

    /**
     * One Sentinel flow rule, by Sentinel's field names ({@code count}, or {@code threshold} as
     * MOSN's examples write it).
     *
     * @param resource the resource it limits
     * @param grade {@link #GRADE_THREAD} (requests in flight) or {@link #GRADE_QPS}
     * @param count the limit
     * @param refResource the resource whose traffic is measured ({@code strategy} 1), or null: its own
     * @param warmUpPeriodSec seconds over which the QPS limit rises to {@code count} ({@code controlBehavior} 1), or 0
     */
    record Rule(String resource, int grade, double count, String refResource, int warmUpPeriodSec) {}

    private static final Set<String> KEYS = Set.of("app_name", "callback_name", "log_path", "global_switch", "monitor",
            "limit_key_type", "direction", "action", "rules", "dynamic_data_resources");
    private static final Set<String> RULE_KEYS = Set.of("id", "resource", "limitapp", "grade", "count", "threshold", "strategy",
            "relationstrategy", "refresource", "controlbehavior", "warmupperiodsec", "clustermode");

    /**
     * Parses {@code c}; a missing config is MOSN's defaults (off).
     *
     * @throws io.mosn4j.api.config.ConfigException naming the bad field's path
     */
    static FlowControlConfig parse(ConfigValue c) {
        if (c.isMissing()) {
            return new FlowControlConfig(DEFAULT_APP, DEFAULT_LOG_PATH, false, false, KeyType.PATH, false, LIMIT_EXCEEDED,
                    DEFAULT_BODY, List.of());
        }
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"global_switch\", \"limit_key_type\", \"action\", \"rules\", ...}");
        }
        for (String key : c.keys()) {
            if (!KEYS.contains(key.toLowerCase(java.util.Locale.ROOT))) {
                c.warn(key, "not a key of the flowControlFilter stream filter; ignored");
            }
        }
        String callback = c.get("callback_name").asText("");
        if (!callback.isEmpty()) {
            c.warn("callback_name", "MOSN's Go callbacks registry has no counterpart here; the default callbacks run");
        }
        ConfigValue dynamic = c.get("dynamic_data_resources");
        if (!dynamic.isMissing() && !dynamic.elements().isEmpty()) {
            // rules from a config centre (nacos) would limit requests; running without them would not
            throw dynamic.error("", "dynamic rule sources (nacos) are not supported; give the rules under \"rules\"");
        }
        String app = text(c, "app_name", DEFAULT_APP);
        String logPath = text(c, "log_path", DEFAULT_LOG_PATH);
        boolean on = bool(c, "global_switch");
        boolean monitor = bool(c, "monitor");
        ConfigValue k = c.get("limit_key_type");
        String keyName = k.asText("PATH");
        KeyType keyType = switch (keyName) {
            case "PATH" -> KeyType.PATH;
            case "ARG" -> KeyType.ARG;
            case "URI" -> KeyType.URI;
            default -> throw k.error("", "must be PATH, ARG or URI (as MOSN), got \"" + keyName + "\"");
        };
        ConfigValue d = c.get("direction");
        String direction = d.asText("Inbound");
        if (!direction.equalsIgnoreCase("Inbound") && !direction.equalsIgnoreCase("Outbound")) {
            throw d.error("", "must be Inbound or Outbound, got \"" + direction + "\"");
        }
        int status = LIMIT_EXCEEDED;
        String body = DEFAULT_BODY;
        ConfigValue a = c.get("action");
        if (!a.isMissing()) {
            if (!a.isObject()) {
                throw a.error("", "must be an object {\"status\", \"body\"}");
            }
            for (String key : a.keys()) {
                if (!key.equalsIgnoreCase("status") && !key.equalsIgnoreCase("body")) {
                    a.warn(key, "not a key of the flowControlFilter's action; ignored");
                }
            }
            ConfigValue s = a.get("status");
            Integer st = s.as(Integer.class);
            if (st != null && st != 0) { // 0 is Go's zero value: MOSN's own tests write it for "unset"
                if (st < 200 || st > 599) {
                    throw s.error("", "must be an HTTP status 200..599, got " + st);
                }
                status = st;
            }
            body = a.get("body").isMissing() ? DEFAULT_BODY : a.get("body").asText("");
        }
        List<Rule> rules = new ArrayList<>();
        ConfigValue r = c.get("rules");
        if (!r.isMissing()) {
            if (!r.isArray()) {
                throw r.error("", "must be an array of Sentinel flow rules {\"resource\", \"grade\", \"count\", ...}");
            }
            for (ConfigValue e : r.elements()) {
                rules.add(rule(e));
            }
        }
        return new FlowControlConfig(app, logPath, on, monitor, keyType, direction.equalsIgnoreCase("Outbound"), status, body,
                rules);
    }

    /** The resources this config's filter enters: the limited ones and those their rules measure. */
    Set<String> resources() {
        Set<String> s = new HashSet<>();
        for (Rule rule : rules) {
            s.add(rule.resource());
            if (rule.refResource() != null) {
                s.add(rule.refResource());
            }
        }
        return s;
    }

    private static Rule rule(ConfigValue e) {
        if (!e.isObject()) {
            throw e.error("", "must be a Sentinel flow rule {\"resource\", \"grade\", \"count\", ...}");
        }
        for (String key : e.keys()) {
            if (!RULE_KEYS.contains(key.toLowerCase(java.util.Locale.ROOT))) {
                e.warn(key, "not a field of a Sentinel flow rule this filter reads; ignored");
            }
        }
        String resource = e.get("resource").asText("");
        if (resource.isBlank()) {
            throw e.error("resource", "required");
        }
        String limitApp = e.get("limitApp").asText("");
        if (!limitApp.isEmpty() && !limitApp.equals("default")) {
            // Sentinel matches limitApp against the caller's origin, which a proxy does not know
            throw e.error("limitApp", "only \"default\" (every caller) is supported: the proxy knows no caller origin, got \""
                    + limitApp + "\"");
        }
        int grade = integer(e, "grade", GRADE_QPS);
        if (grade != GRADE_THREAD && grade != GRADE_QPS) {
            throw e.error("grade", "must be 0 (requests in flight) or 1 (QPS), got " + grade);
        }
        ConfigValue count = e.get("count");
        ConfigValue threshold = e.get("threshold");
        if (!count.isMissing() && !threshold.isMissing()) {
            throw threshold.error("", "given twice, as \"count\" and as \"threshold\"; keep one");
        }
        ConfigValue limit = count.isMissing() ? threshold : count;
        if (limit.isMissing()) {
            throw e.error("count", "required (or \"threshold\"): the limit");
        }
        Double n = limit.as(Double.class);
        if (n == null || n < 0 || n.isNaN() || n.isInfinite()) {
            throw limit.error("", "must be a number 0 or more, got " + limit.asText(""));
        }
        ConfigValue strategyValue = e.get("strategy").isMissing() ? e.get("relationStrategy") : e.get("strategy");
        int strategy = strategyValue.isMissing() ? 0 : strategyValue.as(Integer.class);
        String ref = e.get("refResource").asText("");
        switch (strategy) {
            case 0 -> ref = null;
            case 1 -> {
                if (ref.isBlank()) {
                    throw e.error("refResource", "required with strategy 1 (limit by another resource's traffic)");
                }
            }
            default -> throw strategyValue.error("", strategy == 2
                    ? "2 (by call chain entrance) is not supported: the proxy enters no named contexts"
                    : "must be 0 (its own traffic) or 1 (refResource's traffic), got " + strategy);
        }
        int behavior = integer(e, "controlBehavior", 0);
        int warmUp = 0;
        switch (behavior) {
            case 0 -> {}
            case 1 -> {
                if (grade != GRADE_QPS) {
                    throw e.error("controlBehavior", "1 (warm up) applies to a QPS rule (grade 1) only");
                }
                warmUp = integer(e, "warmUpPeriodSec", 10);
                if (warmUp <= 0) {
                    throw e.error("warmUpPeriodSec", "must be 1 or more, got " + warmUp);
                }
            }
            case 2, 3 -> throw e.error("controlBehavior", behavior
                    + " (queueing) is not supported: Sentinel queues a request by sleeping its thread, an event loop here");
            default -> throw e.error("controlBehavior", "must be 0 (reject) or 1 (warm up), got " + behavior);
        }
        if (bool(e, "clusterMode")) {
            throw e.error("clusterMode", "cluster flow control needs a Sentinel token server; not supported");
        }
        return new Rule(resource, grade, n, ref, warmUp);
    }

    private static String text(ConfigValue c, String key, String fallback) {
        String v = c.get(key).asText("");
        return v.isEmpty() ? fallback : v;
    }

    private static boolean bool(ConfigValue c, String key) {
        Boolean b = c.get(key).as(Boolean.class);
        return b != null && b;
    }

    private static int integer(ConfigValue c, String key, int fallback) {
        Integer i = c.get(key).as(Integer.class);
        return i == null ? fallback : i;
    }
}
