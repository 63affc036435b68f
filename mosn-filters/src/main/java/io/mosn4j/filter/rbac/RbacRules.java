package io.mosn4j.filter.rbac;

import static io.mosn4j.filter.ProtoJson.bool;
import static io.mosn4j.filter.ProtoJson.field;
import static io.mosn4j.filter.ProtoJson.refuseUnknown;
import static io.mosn4j.filter.ProtoJson.text;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.network.CidrRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One Envoy {@code RBAC} message ({@code rules} or {@code shadow_rules}): an action and named
 * policies, each of which holds when one of its permissions and one of its principals do.
 *
 * @param action what a matching policy means
 * @param policies the policies by name, in config order
 * @param needsPeerCertificate whether a principal is {@code authenticated}: a TLS connection can be
 *     judged only once its handshake is done
 */
record RbacRules(Action action, Map<String, Policy> policies, boolean needsPeerCertificate) {

    enum Action { ALLOW, DENY, LOG }

    record Policy(Matcher permissions, Matcher principals) {
        boolean matches(RequestView r) {
            return permissions.matches(r) && principals.matches(r);
        }
    }

    /** The first policy (in config order) that holds for {@code r}, or null. */
    String matching(RequestView r) {
        for (Map.Entry<String, Policy> e : policies.entrySet()) {
            if (e.getValue().matches(r)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Whether {@code matched} (a policy's name, or null) lets the request through under this action. */
    boolean allows(String matched) {
        return switch (action) {
            case ALLOW -> matched != null;
            case DENY -> matched == null;
            case LOG -> true;
        };
    }

    private static final Set<String> PERMISSIONS = Set.of("any", "header", "urlPath", "destinationIp", "destinationPort",
            "destinationPortRange", "requestedServerName", "andRules", "orRules", "notRule");
    private static final Set<String> PRINCIPALS = Set.of("any", "header", "urlPath", "sourceIp", "directRemoteIp", "remoteIp",
            "authenticated", "andIds", "orIds", "notId");

    static RbacRules parse(ConfigValue c) {
        return parse(c, false);
    }

    /** {@code network}: for the network RBAC, which sees a connection, not a request: no header or path rules. */
    static RbacRules parse(ConfigValue c, boolean network) {
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"action\", \"policies\"}");
        }
        refuseUnknown(c, "an RBAC rule set (audit_logging_options is not supported)", Set.of("action", "policies"));
        String a = text(c, "action");
        Action action;
        try {
            action = a == null ? Action.ALLOW : Action.valueOf(a.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw c.error("action", "must be ALLOW, DENY or LOG, got \"" + a + "\"");
        }
        Map<String, Policy> policies = new LinkedHashMap<>();
        boolean peer = false;
        ConfigValue ps = field(c, "policies");
        if (!ps.isMissing() && !ps.isObject()) {
            throw c.error("policies", "must be an object of named policies");
        }
        for (String name : ps.keys()) {
            ConfigValue p = ps.get(name);
            refuseUnknown(p, "an RBAC policy (condition and checked_condition, CEL, are not supported)", Set.of("permissions", "principals"));
            ConfigValue principals = field(p, "principals");
            policies.put(name, new Policy(list(field(p, "permissions"), true, network), list(principals, false, network)));
            peer |= mentions(principals, "authenticated");
        }
        return new RbacRules(action, java.util.Collections.unmodifiableMap(policies), peer);
    }

    /** A policy's permissions or principals: required, non-empty, any one of them. */
    private static Matcher list(ConfigValue v, boolean permission, boolean network) {
        if (!v.isArray() || v.elements().isEmpty()) {
            throw v.error("", "required: a non-empty array of " + (permission ? "permissions" : "principals"));
        }
        List<Matcher> any = new ArrayList<>();
        for (ConfigValue e : v.elements()) {
            Matcher m = permission ? permission(e) : principal(e);
            if (network) {
                refuseRequestRules(e);
            }
            any.add(m);
        }
        return any.size() == 1 ? any.getFirst() : Matcher.or(any);
    }

    private static Matcher permission(ConfigValue p) {
        String kind = oneOf(p, PERMISSIONS, "a permission",
                "metadata, matcher and uri_template are not supported");
        ConfigValue v = field(p, kind);
        return switch (kind) {
            case "any" -> any(v);
            case "header" -> header(v);
            case "urlPath" -> urlPath(v);
            case "destinationIp" -> Matcher.localIn(cidr(v));
            case "destinationPort" -> {
                int port = port(v, v.asText(""));
                yield Matcher.localPort(port, port + 1);
            }
            case "destinationPortRange" -> {
                refuseUnknown(v, "destination_port_range", Set.of("start", "end"));
                int start = port(v, text(v, "start"));
                int end = port(v, text(v, "end"));
                if (end <= start) {
                    throw v.error("end", "must be above start (the range is [start, end))");
                }
                yield Matcher.localPort(start, end);
            }
            // Istio's connection.sni; as Envoy, a connection without one is matched as ""
            case "requestedServerName" -> Matcher.serverName(StringMatch.parse(v));
            case "andRules" -> Matcher.and(group(v, "rules", true));
            case "orRules" -> Matcher.or(group(v, "rules", true));
            case "notRule" -> Matcher.not(permission(v));
            default -> throw new IllegalStateException(kind);
        };
    }

    private static Matcher principal(ConfigValue p) {
        String kind = oneOf(p, PRINCIPALS, "a principal", "metadata, filter_state and sourced_metadata are not supported");
        ConfigValue v = field(p, kind);
        return switch (kind) {
            case "any" -> any(v);
            case "header" -> header(v);
            case "urlPath" -> urlPath(v);
            // the connection's peer for all three: mosn4j does not take the client from X-Forwarded-For here
            case "sourceIp", "directRemoteIp", "remoteIp" -> Matcher.peerIn(cidr(v));
            case "authenticated" -> authenticated(v);
            case "andIds" -> Matcher.and(group(v, "ids", false));
            case "orIds" -> Matcher.or(group(v, "ids", false));
            case "notId" -> Matcher.not(principal(v));
            default -> throw new IllegalStateException(kind);
        };
    }

    /** Refuses, anywhere under {@code v}, a rule on the request (a header or a path): a connection has none. */
    private static void refuseRequestRules(ConfigValue v) {
        for (String key : v.keys()) {
            String k = key.replace("_", "").toLowerCase(java.util.Locale.ROOT);
            if (k.equals("header") || k.equals("urlpath")) {
                throw v.error(key, "the network RBAC sees connections, not requests: no header or path rules");
            }
            ConfigValue inner = v.get(key);
            if (inner.isObject()) {
                refuseRequestRules(inner);
            }
            for (ConfigValue e : inner.elements()) {
                refuseRequestRules(e);
            }
        }
    }

    /**
     * Envoy's {@code Authenticated}: {@code {}} (any verified client certificate) or
     * {@code {"principal_name": StringMatcher}} (Istio's {@code source.principals}, a SPIFFE URI).
     */
    private static Matcher authenticated(ConfigValue v) {
        if (!v.isObject()) {
            throw v.error("", "must be an object {\"principal_name\": StringMatcher} ({} for any verified client certificate)");
        }
        refuseUnknown(v, "authenticated", Set.of("principalName"));
        ConfigValue name = field(v, "principalName");
        return Matcher.authenticated(name.isMissing() ? null : StringMatch.parse(name));
    }

    /** Whether {@code key} is a key anywhere under {@code v}. */
    private static boolean mentions(ConfigValue v, String key) {
        for (String k : v.keys()) {
            if (k.equalsIgnoreCase(key) || mentions(v.get(k), key)) {
                return true;
            }
        }
        for (ConfigValue e : v.elements()) {
            if (mentions(e, key)) {
                return true;
            }
        }
        return false;
    }

    /** The one key of {@code p}, among {@code known}. */
    private static String oneOf(ConfigValue p, Set<String> known, String what, String otherwise) {
        if (!p.isObject() || p.keys().size() != 1) {
            throw p.error("", what + " needs exactly one of " + known);
        }
        String key = p.keys().iterator().next();
        for (String k : known) {
            if (k.equalsIgnoreCase(key.replace("_", ""))) {
                return k;
            }
        }
        throw p.error(key, "not " + what + " mosn4j supports (" + otherwise + "); refused rather than ignored, as an access rule");
    }

    private static Matcher any(ConfigValue v) {
        if (!"true".equals(v.asText(""))) {
            throw v.error("", "must be true");
        }
        return Matcher.ANY;
    }

    private static List<Matcher> group(ConfigValue v, String key, boolean permissions) {
        refuseUnknown(v, "a rule group", Set.of(key));
        ConfigValue list = field(v, key);
        if (!list.isArray() || list.elements().isEmpty()) {
            throw v.error(key, "required: a non-empty array");
        }
        List<Matcher> out = new ArrayList<>();
        for (ConfigValue e : list.elements()) {
            out.add(permissions ? permission(e) : principal(e));
        }
        return out;
    }

    private static Matcher urlPath(ConfigValue v) {
        refuseUnknown(v, "url_path (a PathMatcher)", Set.of("path"));
        return Matcher.path(StringMatch.parse(field(v, "path")));
    }

    /** Envoy's {@code HeaderMatcher} on the request's headers (pseudo-headers too: {@code :method}, {@code :path}, {@code :authority}). */
    static Matcher header(ConfigValue h) {
        refuseUnknown(h, "a HeaderMatcher", Set.of("name", "exactMatch", "safeRegexMatch", "rangeMatch", "presentMatch", "prefixMatch",
                "suffixMatch", "containsMatch", "stringMatch", "invertMatch", "treatMissingHeaderAsEmpty", "hiddenEnvoyDeprecatedRegexMatch",
                "regexMatch"));
        String name = text(h, "name");
        if (name == null || name.isBlank()) {
            throw h.error("name", "required");
        }
        boolean invert = bool(h, "invertMatch", false);
        boolean missingAsEmpty = bool(h, "treatMissingHeaderAsEmpty", false);
        Predicate<String> value = null;
        int set = 0;
        String exact = text(h, "exactMatch");
        if (exact != null) {
            value = exact::equals;
            set++;
        }
        for (String re : List.of("safeRegexMatch", "hiddenEnvoyDeprecatedRegexMatch", "regexMatch")) {
            ConfigValue r = field(h, re);
            if (!r.isMissing()) {
                value = StringMatch.regex(r.isObject() ? r : h, r.isObject() ? text(r, "regex") : r.asText(null), false);
                set++;
            }
        }
        ConfigValue range = field(h, "rangeMatch");
        if (!range.isMissing()) {
            long start = number(range, "start");
            long end = number(range, "end");
            value = s -> {
                try {
                    long n = Long.parseLong(s.trim());
                    return n >= start && n < end;
                } catch (NumberFormatException e) {
                    return false;
                }
            };
            set++;
        }
        ConfigValue present = field(h, "presentMatch");
        boolean presence = false;
        if (!present.isMissing()) {
            presence = true;
            value = s -> true;
            if (!bool(h, "presentMatch", true)) {
                invert = !invert; // present_match false: the header is absent
            }
            set++;
        }
        String prefix = text(h, "prefixMatch");
        if (prefix != null) {
            value = s -> s.startsWith(prefix);
            set++;
        }
        String suffix = text(h, "suffixMatch");
        if (suffix != null) {
            value = s -> s.endsWith(suffix);
            set++;
        }
        String contains = text(h, "containsMatch");
        if (contains != null) {
            value = s -> s.contains(contains);
            set++;
        }
        ConfigValue sm = field(h, "stringMatch");
        if (!sm.isMissing()) {
            value = StringMatch.parse(sm);
            set++;
        }
        if (set > 1) {
            throw h.error("", "needs at most one way to match the value");
        }
        Predicate<String> test = value == null ? s -> true : value; // nothing but a name: the header is there
        boolean inverted = invert;
        boolean onlyPresence = presence;
        return r -> {
            List<String> all = r.headers().getAll(name);
            String v = all.isEmpty() ? (missingAsEmpty && !onlyPresence ? "" : null) : all.size() == 1 ? all.getFirst() : String.join(",", all);
            boolean m = v != null && test.test(v);
            return inverted != m;
        };
    }

    private static long number(ConfigValue c, String key) {
        String t = text(c, key);
        try {
            return Long.parseLong(t == null ? "" : t);
        } catch (NumberFormatException e) {
            throw c.error(key, "required: a whole number");
        }
    }

    private static int port(ConfigValue at, String text) {
        try {
            int p = Integer.parseInt(text == null ? "" : text.trim());
            if (p < 0 || p > 65536) {
                throw at.error("", "a port must be 0..65535");
            }
            return p;
        } catch (NumberFormatException e) {
            throw at.error("", "must be a port number");
        }
    }

    /** Envoy's {@code CidrRange}: {@code address_prefix} and {@code prefix_len} (missing: the whole address). */
    private static CidrRange cidr(ConfigValue v) {
        refuseUnknown(v, "a CidrRange", Set.of("addressPrefix", "prefixLen"));
        String addr = text(v, "addressPrefix");
        if (addr == null || addr.isBlank()) {
            throw v.error("address_prefix", "required");
        }
        ConfigValue len = field(v, "prefixLen");
        // a UInt32Value may arrive as {"value": 24}
        String l = len.isObject() ? len.get("value").asText(null) : len.asText(null);
        return CidrRange.parse(l == null ? addr.trim() : addr.trim() + "/" + l, v.path());
    }
}
